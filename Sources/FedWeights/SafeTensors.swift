import Foundation

/// Element types this reader converts to Float32. The writer always writes `F32`.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"

    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16: 2
        }
    }

    /// dtypes the format defines that we refuse to convert (with `.unsupportedDType`, not `.unknownDType`).
    static let knownUnsupported: Set<String> = [
        "BOOL", "U8", "I8", "I16", "U16", "U32", "U64", "C64",
        "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
    ]
}

/// The parsed, validated header of a safetensors buffer: every tensor's dtype, shape and byte
/// range, ordered by position in the data buffer, plus the `__metadata__` strings.
public struct SafeTensorsHeader: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Byte range within the data buffer (which starts at `dataStart` in the file).
        public let dataOffsets: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    /// Tensors in data order (ties between empty tensors broken by name).
    public let entries: [Entry]
    public let metadata: [String: String]
    /// N, the length of the JSON header (including its padding).
    public let headerLength: Int
    /// Size of the data buffer in bytes.
    public let dataLength: Int

    /// Offset of the data buffer from the start of the file: 8 + N.
    public var dataStart: Int { 8 + headerLength }
}

/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an
/// 8-byte little-endian header length N, N bytes of JSON header, then the tensor bytes.
///
/// Writing is deterministic and matches the reference implementation byte for byte: tensors
/// sorted by name (UTF-8 byte order), `__metadata__` first with its keys sorted (the reference
/// writes them in hash order; with at most one key the outputs are identical), compact JSON as
/// serde_json writes it, padded with spaces to a multiple of 8, F32 little-endian data.
///
/// Reading accepts F32, F64, F16, BF16, I32 and I64 tensors (converted to Float32; I64 and I32
/// values beyond 2^24 are rounded) and checks everything an untrusted file can get wrong; each
/// failure is a `SafeTensorsError` naming the tensor and the problem.
public enum SafeTensors {
    /// Largest accepted header (the reference implementation's limit): 100 MB.
    public static let maxHeaderLength = 100_000_000

    // MARK: Writing

    /// The safetensors bytes of `weights` (all tensors as F32).
    public static func encode(_ weights: ModelWeights) throws -> [UInt8] {
        let plan = try WritePlan(weights)
        return [UInt8](unsafeUninitializedCapacity: plan.totalSize) { buffer, count in
            plan.write(weights, into: UnsafeMutableRawBufferPointer(buffer))
            count = plan.totalSize
        }
    }

    /// The safetensors bytes of `weights` as `Data`.
    public static func encodeData(_ weights: ModelWeights) throws -> Data {
        let plan = try WritePlan(weights)
        guard plan.totalSize > 0, let memory = malloc(plan.totalSize) else {
            return Data(try encode(weights))
        }
        plan.write(weights, into: UnsafeMutableRawBufferPointer(start: memory, count: plan.totalSize))
        return Data(bytesNoCopy: memory, count: plan.totalSize, deallocator: .free)
    }

    /// Writes `weights` to `path` atomically: streamed from the tensors' arrays into a temporary
    /// file next to `path` (no whole-file buffer), then renamed into place. Not fsync'ed.
    public static func write(_ weights: ModelWeights, toFile path: String) throws {
        let plan = try WritePlan(weights)
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SafeTensorsError(.io, "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var closed = false
        defer {
            if !closed { _ = Foundation.close(fd) }
        }
        do {
            func put(_ buffer: UnsafeRawBufferPointer) throws {
                var done = 0
                while done < buffer.count {
                    let r = Foundation.write(fd, buffer.baseAddress! + done, buffer.count - done)
                    if r < 0 {
                        if errno == EINTR { continue }
                        throw SafeTensorsError(.io, "cannot write \(temporary): \(String(cString: strerror(errno)))")
                    }
                    done += r
                }
            }
            var prefix = UInt64(plan.header.count).littleEndian
            try withUnsafeBytes(of: &prefix) { try put($0) }
            try plan.header.withUnsafeBytes { try put($0) }
            for index in plan.order {
                #if _endian(little)
                try weights.tensors[index].tensor.values.withUnsafeBytes { try put($0) }
                #else
                let bytes = weights.tensors[index].tensor.values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
                try bytes.withUnsafeBytes { try put($0) }
                #endif
            }
            closed = true
            guard Foundation.close(fd) == 0 else {
                throw SafeTensorsError(.io, "cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            guard rename(temporary, path) == 0 else {
                throw SafeTensorsError(.io, "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// What `encode` needs to know before writing a byte: the header and where each tensor goes.
    struct WritePlan {
        var header: [UInt8]
        /// Indices into `weights.tensors` in the order their data is written.
        var order: [Int]
        var dataLength: Int
        var totalSize: Int { 8 + header.count + dataLength }

        /// Each tensor's value count, in `names` order.
        var counts: [Int]

        init(_ weights: ModelWeights) throws {
            for (name, tensor) in weights.tensors {
                guard tensor.shape.allSatisfy({ $0 >= 0 }), let count = checkedProduct(tensor.shape), count == tensor.values.count else {
                    throw SafeTensorsError(.invalidWeights, tensor: name,
                                           "tensor '\(name)': shape \(tensor.shape) does not hold its \(tensor.values.count) values")
                }
            }
            try self.init(names: weights.tensors.map(\.name), shapes: weights.tensors.map(\.tensor.shape), metadata: weights.metadata)
        }

        /// The plan for F32 tensors of these names and shapes (in `names` order).
        init(names: [String], shapes: [[Int]], metadata: [String: String]) throws {
            var seen = Set<String>()
            var counts: [Int] = []
            for (name, shape) in zip(names, shapes) {
                guard name != "__metadata__" else {
                    throw SafeTensorsError(.invalidWeights, tensor: name, "a tensor cannot be named \"__metadata__\" (the key is reserved for metadata)")
                }
                guard seen.insert(name).inserted else {
                    throw SafeTensorsError(.duplicateName, tensor: name, "tensor '\(name)' appears more than once")
                }
                guard shape.allSatisfy({ $0 >= 0 }), let count = checkedProduct(shape) else {
                    throw SafeTensorsError(.invalidWeights, tensor: name, "tensor '\(name)': shape \(shape) is invalid")
                }
                counts.append(count)
            }
            self.counts = counts
            order = names.indices.sorted { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) }
            var json: [UInt8] = [UInt8(ascii: "{")]
            var first = true
            if !metadata.isEmpty {
                json.append(contentsOf: Array(#""__metadata__":{"#.utf8))
                let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                for (i, key) in keys.enumerated() {
                    if i > 0 { json.append(UInt8(ascii: ",")) }
                    HeaderJSON.appendString(key, to: &json)
                    json.append(UInt8(ascii: ":"))
                    HeaderJSON.appendString(metadata[key]!, to: &json)
                }
                json.append(UInt8(ascii: "}"))
                first = false
            }
            var offset = 0
            for index in order {
                if !first { json.append(UInt8(ascii: ",")) }
                first = false
                HeaderJSON.appendString(names[index], to: &json)
                json.append(contentsOf: Array(#":{"dtype":"F32","shape":["#.utf8))
                json.append(contentsOf: Array(shapes[index].map(String.init).joined(separator: ",").utf8))
                let end = offset + counts[index] * 4
                json.append(contentsOf: Array(#"],"data_offsets":[\#(offset),\#(end)]}"#.utf8))
                offset = end
            }
            json.append(UInt8(ascii: "}"))
            // Pad with spaces so the data starts 8-byte aligned, as the reference does.
            json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
            header = json
            dataLength = offset
        }

        func write(_ weights: ModelWeights, into out: UnsafeMutableRawBufferPointer) {
            precondition(out.count == totalSize)
            out.storeBytes(of: UInt64(header.count).littleEndian, toByteOffset: 0, as: UInt64.self)
            header.withUnsafeBytes { out.baseAddress!.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            var position = 8 + header.count
            for index in order {
                weights.tensors[index].tensor.values.withUnsafeBufferPointer { values in
                    let dst = out.baseAddress!.advanced(by: position)
                    #if _endian(little)
                    if values.count > 0 { dst.copyMemory(from: values.baseAddress!, byteCount: values.count * 4) }
                    #else
                    for (i, v) in values.enumerated() {
                        dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                    }
                    #endif
                    position += values.count * 4
                }
            }
        }
    }

    // MARK: Reading

    /// Decodes a whole safetensors buffer.
    public static func decode(_ bytes: [UInt8]) throws -> ModelWeights {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Decodes a whole safetensors buffer.
    public static func decode(_ data: Data) throws -> ModelWeights {
        try data.withUnsafeBytes { try decode($0) }
    }

    /// Decodes a whole safetensors buffer. Tensors come out in data order.
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws -> ModelWeights {
        let header = try self.header(buffer)
        let data = UnsafeRawBufferPointer(rebasing: buffer[header.dataStart...])
        var tensors: [(name: String, tensor: Tensor)] = []
        tensors.reserveCapacity(header.entries.count)
        for entry in header.entries {
            let source = UnsafeRawBufferPointer(rebasing: data[entry.dataOffsets])
            let values = [Float](unsafeUninitializedCapacity: entry.count) { out, count in
                convert(source, entry.dtype, into: out)
                count = entry.count
            }
            tensors.append((entry.name, Tensor(shape: entry.shape, values: values)))
        }
        return ModelWeights(tensors: tensors, metadata: header.metadata)
    }

    /// Parses and validates the header of a whole safetensors buffer (the data buffer must be
    /// complete too: its length is checked against the tensors' offsets).
    public static func header(_ buffer: UnsafeRawBufferPointer) throws -> SafeTensorsHeader {
        let n = try headerLength(prefix: buffer, totalSize: buffer.count)
        return try parseHeader(UnsafeRawBufferPointer(rebasing: buffer[8..<(8 + n)]), dataLength: buffer.count - 8 - n)
    }

    /// Reads a safetensors file: the header first, then each tensor straight into its Float
    /// array (one `pread` per F32 tensor, no intermediate copy).
    public static func read(contentsOfFile path: String) throws -> ModelWeights {
        let file = try File(path: path)
        defer { file.close() }
        let header = try file.header()
        var tensors: [(name: String, tensor: Tensor)] = []
        tensors.reserveCapacity(header.entries.count)
        var scratch: [UInt8] = []
        for entry in header.entries {
            let offset = header.dataStart + entry.dataOffsets.lowerBound
            let byteCount = entry.dataOffsets.count
            var values: [Float]
            #if _endian(little)
            let direct = entry.dtype == .f32
            #else
            let direct = false
            #endif
            if direct {
                values = try [Float](unsafeUninitializedCapacity: entry.count) { out, count in
                    try file.read(into: UnsafeMutableRawBufferPointer(out), at: offset, tensor: entry.name)
                    count = entry.count
                }
            } else {
                if scratch.count < byteCount { scratch = [UInt8](repeating: 0, count: byteCount) }
                try scratch.withUnsafeMutableBytes { raw in
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<byteCount]), at: offset, tensor: entry.name)
                }
                values = [Float](unsafeUninitializedCapacity: entry.count) { out, count in
                    scratch.withUnsafeBytes { raw in
                        convert(UnsafeRawBufferPointer(rebasing: raw[0..<byteCount]), entry.dtype, into: out)
                    }
                    count = entry.count
                }
            }
            tensors.append((entry.name, Tensor(shape: entry.shape, values: values)))
        }
        return ModelWeights(tensors: tensors, metadata: header.metadata)
    }

    /// Parses and validates the header of a safetensors file without reading its tensors.
    public static func header(ofFile path: String) throws -> SafeTensorsHeader {
        let file = try File(path: path)
        defer { file.close() }
        return try file.header()
    }

    // MARK: Validation

    /// Reads N from the first 8 bytes and checks it against the limit and the total size.
    static func headerLength(prefix: UnsafeRawBufferPointer, totalSize: Int) throws -> Int {
        guard totalSize >= 8, prefix.count >= 8 else {
            throw SafeTensorsError(.truncated, "the buffer is \(totalSize) bytes, shorter than the 8-byte header length")
        }
        let n = UInt64(littleEndian: prefix.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard n <= UInt64(maxHeaderLength) else {
            throw SafeTensorsError(.headerTooLarge, "the header length \(n) is over the limit of \(maxHeaderLength) bytes")
        }
        guard Int(n) <= totalSize - 8 else {
            throw SafeTensorsError(.truncated, "the header length \(n) runs past the end of the \(totalSize)-byte buffer")
        }
        return Int(n)
    }

    static func parseHeader(_ json: UnsafeRawBufferPointer, dataLength: Int) throws -> SafeTensorsHeader {
        let root: HeaderJSON
        do {
            root = try HeaderJSON.parse(json)
        } catch {
            if let key = error.duplicateKey, error.depth == 0 {
                throw SafeTensorsError(.duplicateName, tensor: key, "tensor '\(key)' appears more than once in the header")
            }
            throw SafeTensorsError(.invalidHeader, "the header is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let members) = root else {
            throw SafeTensorsError(.invalidHeader, "the header is \(root.typeName), not a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [SafeTensorsHeader.Entry] = []
        entries.reserveCapacity(members.count)
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw SafeTensorsError(.invalidMetadata, "__metadata__ is \(value.typeName), not an object of strings")
                }
                for (key, v) in pairs {
                    guard case .string(let s) = v else {
                        throw SafeTensorsError(.invalidMetadata, "__metadata__ value for \"\(key)\" is \(v.typeName), not a string")
                    }
                    metadata[key] = s
                }
                continue
            }
            entries.append(try entry(name, value, dataLength: dataLength))
        }
        entries.sort {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound)
                || ($0.dataOffsets == $1.dataOffsets && $0.name.utf8.lexicographicallyPrecedes($1.name.utf8))
        }
        var covered = 0
        var previous: String?
        for e in entries {
            if e.dataOffsets.lowerBound < covered {
                throw SafeTensorsError(.offsetsNotContiguous, tensor: e.name,
                                       "tensor '\(e.name)': data_offsets [\(e.dataOffsets.lowerBound), \(e.dataOffsets.upperBound)] overlap tensor '\(previous ?? "")' (which ends at \(covered))")
            }
            if e.dataOffsets.lowerBound > covered {
                throw SafeTensorsError(.offsetsNotContiguous, tensor: e.name,
                                       "tensor '\(e.name)': data_offsets [\(e.dataOffsets.lowerBound), \(e.dataOffsets.upperBound)] leave a gap of \(e.dataOffsets.lowerBound - covered) bytes after offset \(covered)")
            }
            covered = e.dataOffsets.upperBound
            previous = e.name
        }
        guard covered == dataLength else {
            throw SafeTensorsError(.incompleteBuffer,
                                   "the data buffer is \(dataLength) bytes but the tensors cover only \(covered) (\(dataLength - covered) trailing bytes)")
        }
        return SafeTensorsHeader(entries: entries, metadata: metadata, headerLength: json.count, dataLength: dataLength)
    }

    private static func entry(_ name: String, _ value: HeaderJSON, dataLength: Int) throws -> SafeTensorsHeader.Entry {
        func fail(_ kind: SafeTensorsError.Kind, _ problem: String) -> SafeTensorsError {
            SafeTensorsError(kind, tensor: name, "tensor '\(name)': \(problem)")
        }
        guard case .object(let fields) = value else { throw fail(.invalidTensorInfo, "its entry is \(value.typeName), not an object") }
        func field(_ key: String) throws -> HeaderJSON {
            guard let v = fields.first(where: { $0.key == key })?.value else { throw fail(.invalidTensorInfo, "missing \"\(key)\"") }
            return v
        }
        guard case .string(let dtypeName) = try field("dtype") else { throw fail(.invalidTensorInfo, "\"dtype\" is not a string") }
        guard case .array(let dims) = try field("shape") else { throw fail(.invalidTensorInfo, "\"shape\" is not an array") }
        guard case .array(let offsets) = try field("data_offsets") else { throw fail(.invalidTensorInfo, "\"data_offsets\" is not an array") }

        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            if SafeTensorsDType.knownUnsupported.contains(dtypeName) {
                throw fail(.unsupportedDType, "dtype \(dtypeName) is not supported (readable: \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            throw fail(.unknownDType, "unknown dtype \"\(dtypeName)\"")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for d in dims {
            guard let v = d.nonNegativeInt else {
                throw fail(.invalidShape, "shape dimension \(d.literal) is not a non-negative integer")
            }
            shape.append(v)
        }
        guard let count = checkedProduct(shape) else { throw fail(.invalidShape, "shape \(shape) has more elements than can be addressed") }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw fail(.invalidShape, "shape \(shape) of \(dtypeName) is too large") }

        guard offsets.count == 2 else { throw fail(.invalidTensorInfo, "\"data_offsets\" has \(offsets.count) elements, not 2") }
        guard let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
            throw fail(.invalidTensorInfo, "data_offsets [\(offsets[0].literal), \(offsets[1].literal)] are not non-negative integers")
        }
        guard begin <= end else { throw fail(.offsetsOutOfBounds, "data_offsets [\(begin), \(end)] end before they begin") }
        guard end <= dataLength else {
            throw fail(.offsetsOutOfBounds, "data_offsets [\(begin), \(end)] run past the end of the \(dataLength)-byte data buffer")
        }
        guard end - begin == byteCount else {
            throw fail(.sizeMismatch, "shape \(shape) of \(dtypeName) needs \(byteCount) bytes but data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return .init(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// Product of non-negative dimensions, nil on overflow. `[]` (a scalar) is 1.
    static func checkedProduct(_ shape: [Int]) -> Int? {
        var p = 1
        for d in shape {
            let (r, o) = p.multipliedReportingOverflow(by: d)
            if o { return nil }
            p = r
        }
        return p
    }

    // MARK: Conversion

    /// Converts the little-endian elements of `dtype` in `src` to Float32, filling `buffer`.
    static func convert(_ src: UnsafeRawBufferPointer, _ dtype: SafeTensorsDType, into buffer: UnsafeMutableBufferPointer<Float>) {
        let count = buffer.count
        precondition(src.count == count * dtype.byteSize)
        guard count > 0, let base = src.baseAddress, let dst = buffer.baseAddress else { return }
        switch dtype {
        case .f32:
            #if _endian(little)
            UnsafeMutableRawPointer(dst).copyMemory(from: base, byteCount: count * 4)
            #else
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
            #endif
        case .f64:
            for i in 0..<count { dst[i] = Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
        case .f16:
            for i in 0..<count { dst[i] = halfToFloat(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
        case .bf16:
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16) }
        case .i32:
            for i in 0..<count { dst[i] = Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
        case .i64:
            for i in 0..<count { dst[i] = Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
        }
    }

    /// IEEE 754 binary16 → binary32, exact for every value (subnormals, ±0, ±inf, NaN payloads).
    /// Written out by hand because `Float16` is unavailable on macOS x86_64.
    @inline(__always)
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    // MARK: Files

    /// A read-only file descriptor with positioned reads.
    struct File {
        let fd: Int32
        let path: String
        let size: Int

        init(path: String) throws {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SafeTensorsError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
            var st = stat()
            guard fstat(fd, &st) == 0 else {
                let message = String(cString: strerror(errno))
                _ = Foundation.close(fd)
                throw SafeTensorsError(.io, "cannot stat \(path): \(message)")
            }
            guard (st.st_mode & S_IFMT) == S_IFREG else {
                _ = Foundation.close(fd)
                throw SafeTensorsError(.io, "\(path) is not a regular file")
            }
            self.fd = fd
            self.path = path
            self.size = Int(st.st_size)
        }

        func close() { _ = Foundation.close(fd) }

        func header() throws -> SafeTensorsHeader {
            var prefix = [UInt8](repeating: 0, count: 8)
            if size >= 8 {
                try prefix.withUnsafeMutableBytes { try read(into: $0, at: 0, tensor: nil) }
            }
            let n = try prefix.withUnsafeBytes { try SafeTensors.headerLength(prefix: $0, totalSize: size) }
            var json = [UInt8](repeating: 0, count: n)
            try json.withUnsafeMutableBytes { try read(into: $0, at: 8, tensor: nil) }
            return try json.withUnsafeBytes { try SafeTensors.parseHeader($0, dataLength: size - 8 - n) }
        }

        /// Fills `buffer` from `offset`, looping over short reads; a file that shrank is `.truncated`.
        func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, tensor: String?) throws {
            var done = 0
            while done < buffer.count {
                let r = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if r < 0 {
                    if errno == EINTR { continue }
                    throw SafeTensorsError(.io, tensor: tensor, "cannot read \(path): \(String(cString: strerror(errno)))")
                }
                if r == 0 {
                    throw SafeTensorsError(.truncated, tensor: tensor, "\(path) ended at byte \(offset + done) while reading \(tensor.map { "tensor '\($0)'" } ?? "the header") (was it truncated while being read?)")
                }
                done += r
            }
        }
    }
}

extension HeaderJSON {
    /// A short rendering of a value for error messages.
    var literal: String {
        switch self {
        case .number(let s): s
        case .string(let s): "\"\(s)\""
        case .bool(let b): String(b)
        case .null: "null"
        case .array: "[...]"
        case .object: "{...}"
        }
    }
}

extension ModelWeights {
    /// Decodes safetensors bytes (see `SafeTensors.decode`).
    public init(safetensors data: Data) throws {
        self = try SafeTensors.decode(data)
    }

    /// Reads a safetensors file (see `SafeTensors.read(contentsOfFile:)`).
    public init(contentsOfSafetensorsFile path: String) throws {
        self = try SafeTensors.read(contentsOfFile: path)
    }

    /// The deterministic safetensors encoding of these weights (see `SafeTensors.encode`).
    public func safetensorsData() throws -> Data {
        try SafeTensors.encodeData(self)
    }
}
