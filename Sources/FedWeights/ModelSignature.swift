/// What an update must share with the round's global model: the same tensor names, and for each
/// the same dtype and shape. The aggregator checks every update against the global model's
/// signature before it keeps it, so an update can never change the model's structure (and make
/// the round's FedAvg fail) or smuggle values the format converts (another dtype).
public struct ModelSignature: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var dtype: SafeTensorsDType
        public var shape: [Int]
    }

    public var entries: [String: Entry]
    /// Bytes of tensor data (the data buffer's length).
    public var dataBytes: Int

    public init(_ header: SafeTensorsHeader) {
        var e: [String: Entry] = [:]
        for x in header.entries { e[x.name] = Entry(dtype: x.dtype, shape: x.shape) }
        entries = e
        dataBytes = header.dataLength
    }

    /// The signature of a whole safetensors buffer.
    public init(of bytes: [UInt8]) throws {
        self.init(try bytes.withUnsafeBytes { try SafeTensors.header($0) })
    }

    /// The most bytes a safetensors file of this signature may take: 8 + the header + the data.
    /// Headers of fedplane's own files are a few hundred bytes; `headerAllowance` bounds them.
    public func maxFileBytes(headerAllowance: Int = 64 * 1024) -> Int { 8 + headerAllowance + dataBytes }
}

/// Why an update (or a global model) was refused.
public struct ModelCheckError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum ModelCheck {
    /// Decodes `bytes` and checks it against `signature`: exactly its tensor names, each with the
    /// same dtype and shape, and every value finite. Returns the decoded weights.
    public static func update(_ bytes: [UInt8], matching signature: ModelSignature) throws(ModelCheckError) -> ModelWeights {
        let header: SafeTensorsHeader
        do { header = try bytes.withUnsafeBytes { try SafeTensors.header($0) } } catch {
            throw ModelCheckError("not a valid safetensors model: \(error)")
        }
        try matches(header, signature)
        let weights: ModelWeights
        do { weights = try SafeTensors.decode(bytes) } catch { throw ModelCheckError("not a valid safetensors model: \(error)") }
        try finite(weights)
        return weights
    }

    /// The same checks as `update(_:matching:)` on a buffer where it lies (nothing is decoded or
    /// copied): returns its header.
    public static func updateInPlace(_ buffer: UnsafeRawBufferPointer, matching signature: ModelSignature) throws(ModelCheckError) -> SafeTensorsHeader {
        let header: SafeTensorsHeader
        do { header = try SafeTensors.header(buffer) } catch {
            throw ModelCheckError("not a valid safetensors model: \(error)")
        }
        try matches(header, signature)
        try finiteInPlace(header, buffer)
        return header
    }

    /// Throws when a value of a whole safetensors buffer is NaN or infinite (checked in place).
    public static func finiteInPlace(_ header: SafeTensorsHeader, _ buffer: UnsafeRawBufferPointer) throws(ModelCheckError) {
        if let (name, index, value) = SafeTensors.firstNonFinite(header, in: buffer) {
            throw ModelCheckError("tensor \(name) has a non-finite value (\(value) at index \(index))")
        }
    }

    /// Exactly the signature's tensor names, each with its dtype and shape.
    static func matches(_ header: SafeTensorsHeader, _ signature: ModelSignature) throws(ModelCheckError) {
        let names = Set(header.entries.map(\.name))
        let expected = Set(signature.entries.keys)
        if names != expected {
            let missing = expected.subtracting(names).sorted(), extra = names.subtracting(expected).sorted()
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(Self.list(missing))") }
            if !extra.isEmpty { parts.append("unexpected \(Self.list(extra))") }
            throw ModelCheckError("its tensors differ from the global model's: \(parts.joined(separator: "; "))")
        }
        for entry in header.entries.sorted(by: { $0.name < $1.name }) {
            let want = signature.entries[entry.name]!
            guard entry.dtype == want.dtype else {
                throw ModelCheckError("tensor \(entry.name) is \(entry.dtype.rawValue), the global model's is \(want.dtype.rawValue)")
            }
            guard entry.shape == want.shape else {
                throw ModelCheckError("tensor \(entry.name) has shape \(entry.shape), the global model's has \(want.shape)")
            }
        }
    }

    /// Throws when a value of any tensor is NaN or infinite, naming the first one.
    public static func finite(_ weights: ModelWeights) throws(ModelCheckError) {
        if let (name, index, value) = firstNonFinite(weights) {
            throw ModelCheckError("tensor \(name) has a non-finite value (\(value) at index \(index))")
        }
    }

    /// The first NaN or infinite value: its tensor, flat index and value.
    public static func firstNonFinite(_ weights: ModelWeights) -> (String, Int, Float)? {
        for (name, tensor) in weights.tensors {
            let bad: Int? = tensor.values.withUnsafeBufferPointer { buf in
                var i = 0
                while i < buf.count {
                    if !buf[i].isFinite { return i }
                    i += 1
                }
                return nil
            }
            if let bad { return (name, bad, tensor.values[bad]) }
        }
        return nil
    }

    private static func list(_ names: [String]) -> String {
        names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
    }
}
