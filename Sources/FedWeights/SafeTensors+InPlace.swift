import Foundation

/// Safetensors buffers used where they lie (a received body, a mapped file): checked, averaged
/// and written without converting them to `ModelWeights` and back. Only little-endian F32
/// tensors at 4-byte-aligned addresses qualify (what fedplane and the common writers produce);
/// callers fall back to `SafeTensors.decode` for anything else.
extension SafeTensors {
    /// The F32 values of `entry` in `buffer` (a whole safetensors buffer with `header`), in
    /// place; nil when they cannot be read in place (another dtype, misaligned, big-endian host).
    public static func f32Values(_ entry: SafeTensorsHeader.Entry, header: SafeTensorsHeader,
                                 in buffer: UnsafeRawBufferPointer) -> UnsafeBufferPointer<Float>? {
        #if _endian(little)
        guard entry.dtype == .f32, let base = buffer.baseAddress else { return nil }
        let start = base + header.dataStart + entry.dataOffsets.lowerBound
        guard Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: entry.count)
        #else
        return nil
        #endif
    }

    /// Whether every tensor of `buffer` can be read in place (see `f32Values`).
    public static func isInPlaceF32(_ header: SafeTensorsHeader, in buffer: UnsafeRawBufferPointer) -> Bool {
        header.entries.allSatisfy { f32Values($0, header: header, in: buffer) != nil }
    }

    /// The first NaN or infinite value of a whole safetensors buffer (tensor, flat index, value),
    /// checked in place for F32 tensors and per tensor through a conversion for the others.
    public static func firstNonFinite(_ header: SafeTensorsHeader, in buffer: UnsafeRawBufferPointer) -> (String, Int, Float)? {
        for entry in header.entries {
            if let values = f32Values(entry, header: header, in: buffer) {
                if let i = firstNonFinite(values) { return (entry.name, i, values[i]) }
                continue
            }
            let source = UnsafeRawBufferPointer(rebasing: buffer[(header.dataStart + entry.dataOffsets.lowerBound)..<(header.dataStart + entry.dataOffsets.upperBound)])
            let values = [Float](unsafeUninitializedCapacity: entry.count) { out, count in
                convert(source, entry.dtype, into: out)
                count = entry.count
            }
            if let i = values.withUnsafeBufferPointer(firstNonFinite) { return (entry.name, i, values[i]) }
        }
        return nil
    }

    public static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        // Exponent bits all ones is NaN or ±inf. A loop that returns at the first hit does not
        // vectorise, so each block is first OR-reduced without branches — adding 0x0080_0000 to
        // the exponent bits carries into bit 31 exactly when they are all ones — and only a block
        // with a hit is scanned for its index (about twice as fast on a 27 MB model).
        values.withMemoryRebound(to: UInt32.self) { bits in
            let block = 4096
            var start = 0
            while start < bits.count {
                let end = min(start + block, bits.count)
                var any: UInt32 = 0
                for i in start..<end { any |= (bits[i] & 0x7F80_0000) &+ 0x0080_0000 }
                if any & 0x8000_0000 != 0 {
                    for i in start..<end where bits[i] & 0x7F80_0000 == 0x7F80_0000 { return i }
                }
                start = end
            }
            return nil
        }
    }

    /// The safetensors bytes of F32 tensors with these names and shapes, whose values `fill`
    /// writes straight into the output: the same bytes `encode` gives for the same tensors and
    /// metadata (tensors sorted by name, canonical header), without building `ModelWeights`.
    /// `fill` gets each tensor's index in `tensors` and its output values.
    public static func encodeF32(_ tensors: [(name: String, shape: [Int])], metadata: [String: String],
                                 fill: (Int, UnsafeMutableBufferPointer<Float>) throws -> Void) throws -> [UInt8] {
        let encoding = try F32Encoding(tensors, metadata: metadata)
        return try [UInt8](unsafeUninitializedCapacity: encoding.size) { buffer, count in
            try encoding.write(into: UnsafeMutableRawBufferPointer(buffer), fill: fill)
            count = encoding.size
        }
    }
}

/// `SafeTensors.encodeF32` into memory the caller allocates (e.g. a network buffer), once it
/// knows the size.
public struct F32Encoding {
    let plan: SafeTensors.WritePlan
    public var size: Int { plan.totalSize }

    public init(_ tensors: [(name: String, shape: [Int])], metadata: [String: String]) throws {
        plan = try SafeTensors.WritePlan(names: tensors.map(\.name), shapes: tensors.map(\.shape), metadata: metadata)
    }

    /// Writes the whole file into `out` (exactly `size` bytes); `fill` writes each tensor's values.
    public func write(into out: UnsafeMutableRawBufferPointer, fill: (Int, UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        precondition(out.count == plan.totalSize)
        out.storeBytes(of: UInt64(plan.header.count).littleEndian, toByteOffset: 0, as: UInt64.self)
        plan.header.withUnsafeBytes { out.baseAddress!.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        var position = 8 + plan.header.count
        for index in plan.order {
            let n = plan.counts[index]
            let values = UnsafeMutableBufferPointer(start: (out.baseAddress! + position).assumingMemoryBound(to: Float.self), count: n)
            try fill(index, values)
            #if !_endian(little)
            for i in 0..<n { out.storeBytes(of: values[i].bitPattern.littleEndian, toByteOffset: position + 4 * i, as: UInt32.self) }
            #endif
            position += n * 4
        }
    }
}

extension FedAvg {
    /// FedAvg of whole safetensors buffers read in place, written straight into the output's
    /// safetensors bytes (with `metadata`): bit-identical to decoding them, averaging with
    /// `average(_: [(weights:samples:)])` and encoding the result, with no copy of any input.
    /// The updates must have the same tensor names and shapes (the aggregator has checked them
    /// against the global model). Returns nil when an update cannot be read in place.
    /// `output` gets the output's size and a writer to call on exactly that many bytes it
    /// allocated (so the result can go straight into a network buffer).
    public static func averageSafetensors<R>(_ updates: [(buffer: UnsafeRawBufferPointer, header: SafeTensorsHeader, samples: Int)],
                                             metadata: [String: String],
                                             output: (Int, (UnsafeMutableRawBufferPointer) throws -> Void) throws -> R) throws -> R? {
        guard let reference = updates.first else { throw FedAvgError(.noUpdates, "no updates to average") }
        guard updates.allSatisfy({ SafeTensors.isInPlaceF32($0.header, in: $0.buffer) }) else { return nil }
        let entries = reference.header.entries
        // For each update, its entry for each of the reference's tensors (matched by name).
        var positions: [[SafeTensorsHeader.Entry]] = []
        for (p, u) in updates.enumerated() {
            let byName = Dictionary(u.header.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            guard byName.count == entries.count else {
                throw FedAvgError(.tensorNamesMismatch, participant: p, "participant \(p) has \(byName.count) tensors, participant 0 has \(entries.count)")
            }
            positions.append(try entries.map { e in
                guard let mine = byName[e.name] else {
                    throw FedAvgError(.tensorNamesMismatch, participant: p, tensor: e.name, "participant \(p) has no tensor '\(e.name)' (participant 0 has)")
                }
                guard mine.shape == e.shape else {
                    throw FedAvgError(.shapeMismatch, participant: p, tensor: e.name,
                                      "participant \(p): tensor '\(e.name)' has shape \(mine.shape) but participant 0 has \(e.shape)")
                }
                return mine
            })
        }
        let encoding = try F32Encoding(entries.map { ($0.name, $0.shape) }, metadata: metadata)
        return try output(encoding.size) { out in
            try encoding.write(into: out) { t, values in
                let inputs = updates.indices.map { p in
                    (values: SafeTensors.f32Values(positions[p][t], header: updates[p].header, in: updates[p].buffer)!, samples: updates[p].samples)
                }
                guard values.count > 0 else { _ = try weights(samples: inputs.map(\.samples)); return }
                try average(inputs, into: values)
            }
        }
    }

    /// `averageSafetensors` into an array.
    public static func averageSafetensors(_ updates: [(buffer: UnsafeRawBufferPointer, header: SafeTensorsHeader, samples: Int)],
                                          metadata: [String: String]) throws -> [UInt8]? {
        try averageSafetensors(updates, metadata: metadata) { size, write in
            try [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                try write(UnsafeMutableRawBufferPointer(buffer))
                count = size
            }
        }
    }
}

/// A file mapped read-only, to check, average or send a model where it lies on disk: its pages
/// are read once by whoever uses them, and no copy is made in memory.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    /// The file's bytes (valid while this object lives).
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SafeTensorsError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { _ = Foundation.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw SafeTensorsError(.io, "\(path) is not a readable regular file")
        }
        self.path = path
        let size = Int(st.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw SafeTensorsError(.io, "cannot map \(path): \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
