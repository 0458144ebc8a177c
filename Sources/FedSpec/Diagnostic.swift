/// A position in a source file, 1-based like every editor shows it.
public struct SourceMark: Hashable, Sendable, Comparable, Codable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: SourceMark, b: SourceMark) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

public enum Severity: String, Sendable, Codable {
    case error
    case warning
}

/// One problem found in a spec: where it is (file, position, spec path) and what to do about it.
/// Messages never contain secret values; callers that describe a credential's content name the field only.
public struct Diagnostic: Error, Hashable, Sendable, Codable {
    public var severity: Severity
    public var file: String
    public var mark: SourceMark?
    public var path: String
    public var message: String

    public init(_ severity: Severity = .error, file: String, mark: SourceMark?, path: String, message: String) {
        self.severity = severity
        self.file = file
        self.mark = mark
        self.path = path
        self.message = message
    }

    /// `file:line:col: path: message`, the form compilers use so editors and CI annotate the line.
    /// Control characters from the spec (a name with a newline, ESC or U+202E) are escaped, so one
    /// diagnostic is one line and cannot drive the terminal.
    public var rendered: String {
        var out = TerminalText.escape(file)
        if let mark { out += ":\(mark.line):\(mark.column)" }
        out += ": "
        if severity == .warning { out += "warning: " }
        if !path.isEmpty { out += "\(TerminalText.escape(path)): " }
        return out + TerminalText.escape(message)
    }

    enum CodingKeys: String, CodingKey { case severity, file, line, column, path, message }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(severity, forKey: .severity)
        try c.encode(file, forKey: .file)
        try c.encodeIfPresent(mark?.line, forKey: .line)
        try c.encodeIfPresent(mark?.column, forKey: .column)
        try c.encode(path, forKey: .path)
        try c.encode(message, forKey: .message)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        severity = try c.decode(Severity.self, forKey: .severity)
        file = try c.decode(String.self, forKey: .file)
        if let line = try c.decodeIfPresent(Int.self, forKey: .line),
           let column = try c.decodeIfPresent(Int.self, forKey: .column) {
            mark = SourceMark(line: line, column: column)
        }
        path = try c.decode(String.self, forKey: .path)
        message = try c.decode(String.self, forKey: .message)
    }
}

/// Every problem of one pass, in a stable order (by position, then path, then message) so output
/// is the same on every run.
public struct Diagnostics: Error, Sendable, Codable {
    public private(set) var items: [Diagnostic] = []

    public init(_ items: [Diagnostic] = []) { self.items = items }

    public mutating func append(_ d: Diagnostic) { items.append(d) }
    public mutating func append(contentsOf other: Diagnostics) { items.append(contentsOf: other.items) }

    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }
    public var hasErrors: Bool { items.contains { $0.severity == .error } }

    public var sorted: [Diagnostic] {
        items.sorted { a, b in
            let ma = a.mark ?? SourceMark(line: 0, column: 0)
            let mb = b.mark ?? SourceMark(line: 0, column: 0)
            if ma != mb { return ma < mb }
            if a.path != b.path { return a.path < b.path }
            return a.message < b.message
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(sorted)
    }

    public init(from decoder: Decoder) throws {
        items = try decoder.singleValueContainer().decode([Diagnostic].self)
    }
}
