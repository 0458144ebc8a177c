import CYAML

/// Turns YAML text into a `YAMLNode` tree with positions, using libyaml's event parser.
///
/// The tree is built with an explicit stack (no recursion), so nesting depth is bounded by
/// `limits.maxDepth` and not by the thread's stack, and aliases are counted so an alias bomb
/// stops with an error long before it costs memory.
public struct YAMLParser: Sendable {
    public struct Limits: Sendable {
        public var maxBytes = 8 << 20
        public var maxDepth = 256
        /// Nodes that aliases may add to the document when expanded.
        public var maxAliasExpansion = 1_000_000

        public init() {}
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Parses exactly one document. Duplicate keys are reported together; the first syntax
    /// error stops parsing (libyaml cannot recover from one).
    public func parse(_ bytes: [UInt8]) -> (root: YAMLNode?, errors: [YAMLError]) {
        if let problem = Self.screen(bytes, limits: limits) { return (nil, [problem]) }
        var builder = TreeBuilder(limits: limits)
        let root = bytes.withUnsafeBufferPointer { buf in builder.run(buf) }
        return (builder.failed ? nil : root, builder.errors)
    }

    /// Checks that need no YAML: size, emptiness, binary content and UTF-8 validity, with the
    /// position of the first bad byte (libyaml's own message for these is less precise).
    static func screen(_ bytes: [UInt8], limits: Limits) -> YAMLError? {
        if bytes.count > limits.maxBytes {
            return YAMLError(mark: nil, message: "the file is \(ByteCountText.describe(bytes.count)); a spec may be at most \(ByteCountText.describe(limits.maxBytes))")
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return YAMLError(mark: nil, message: "the file is empty; a spec needs at least apiVersion, kind and metadata.name")
        }
        var line = 1, column = 1, i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0 {
                return YAMLError(mark: SourceMark(line: line, column: column),
                                 message: "the file contains a NUL byte; this looks like a binary file, not a YAML spec")
            }
            let length = utf8SequenceLength(bytes, at: i)
            if length == 0 {
                return YAMLError(mark: SourceMark(line: line, column: column),
                                 message: "invalid UTF-8 (byte 0x\(String(b, radix: 16, uppercase: true)) at offset \(i)); save the spec as UTF-8")
            }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += length
        }
        return nil
    }

    /// Length of the well-formed UTF-8 sequence at `i`, or 0 if it is malformed (RFC 3629).
    static func utf8SequenceLength(_ s: [UInt8], at i: Int) -> Int {
        let b0 = s[i]
        if b0 < 0x80 { return 1 }
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < s.count && s[i + k] >= lo && s[i + k] <= hi
        }
        switch b0 {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }
}

enum ByteCountText {
    static func describe(_ n: Int) -> String {
        if n >= 1 << 30 { return String(format1(Double(n) / Double(1 << 30))) + " GiB" }
        if n >= 1 << 20 { return String(format1(Double(n) / Double(1 << 20))) + " MiB" }
        if n >= 1 << 10 { return String(format1(Double(n) / Double(1 << 10))) + " KiB" }
        return "\(n) bytes"
    }

    static func format1(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
