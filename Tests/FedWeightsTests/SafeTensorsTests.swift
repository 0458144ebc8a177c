import Foundation
import Testing
@testable import FedWeights

/// Deterministic pseudo-random floats for tests.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-scale, scale).
    mutating func float(_ scale: Float = 1) -> Float { Float(Int32(truncatingIfNeeded: next() >> 32) >> 8) * 0x1p-23 * scale }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in float(scale) } }
}

func temporaryDirectory(_ label: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("fedweights-\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// A hand-made safetensors buffer: the length prefix, `header` verbatim (optionally padded), `data`.
func rawFile(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    rawFile(bytes: Array(header.utf8), data: data, length: length)
}

func rawFile(bytes json: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    var out: [UInt8] = []
    withUnsafeBytes(of: (length ?? UInt64(json.count)).littleEndian) { out.append(contentsOf: $0) }
    return out + json + data
}

func floatBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

func sample() -> ModelWeights {
    var rng = TestRandom(seed: 7)
    return ModelWeights(tensors: [
        ("fc.weight", Tensor(shape: [3, 5], values: rng.floats(15))),
        ("fc.bias", Tensor(shape: [5], values: rng.floats(5))),
        ("scale", Tensor(shape: [], values: [0.5])),
        ("empty", Tensor(shape: [0, 4], values: [])),
        ("é/ünï\"cödé\n", Tensor(shape: [1, 1, 2], values: [-0.0, .infinity])),
        ("A.upper", Tensor(shape: [2], values: [.leastNonzeroMagnitude, .greatestFiniteMagnitude])),
    ], metadata: ["round": "3", "run": "r-1", "quote\"and\\back": "tab\there\u{1}"])
}

/// The tensors of `weights` keyed by name, to compare regardless of order.
func byName(_ weights: ModelWeights) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: weights.tensors.map { ($0.name, $0.tensor) })
}

func bits(_ t: Tensor) -> [UInt32] { t.values.map(\.bitPattern) }

@Suite struct SafeTensorsRoundTripTests {
    @Test func swiftWriteThenReadGivesTheSameWeights() throws {
        let weights = sample()
        let bytes = try SafeTensors.encode(weights)
        let back = try SafeTensors.decode(bytes)
        #expect(back.metadata == weights.metadata)
        #expect(back.tensors.count == weights.tensors.count)
        let expected = byName(weights)
        for (name, tensor) in back.tensors {
            let e = try #require(expected[name], "unexpected tensor \(name)")
            #expect(tensor.shape == e.shape, "\(name)")
            #expect(bits(tensor) == bits(e), "\(name)")  // bit-exact, -0.0 and inf included
        }
        // Read back in data order, which is name order (UTF-8 bytes) for files we write.
        #expect(back.tensors.map(\.name) == weights.tensors.map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(try SafeTensors.decode(Data(bytes)) == back)
        #expect(try SafeTensors.encodeData(weights) == Data(bytes))
    }

    @Test func fileWriteThenReadGivesTheSameWeights() throws {
        let dir = try temporaryDirectory("roundtrip")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.safetensors").path
        let weights = sample()
        try SafeTensors.write(weights, toFile: path)
        let fromFile = try SafeTensors.read(contentsOfFile: path)
        #expect(fromFile == (try SafeTensors.decode(SafeTensors.encode(weights))))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == (try weights.safetensorsData()))
        #expect(try ModelWeights(contentsOfSafetensorsFile: path) == fromFile)

        let header = try SafeTensors.header(ofFile: path)
        #expect(header.metadata == weights.metadata)
        #expect(header.dataStart % 8 == 0)
        #expect(header.entries.allSatisfy { $0.dtype == .f32 })
        #expect(header.entries.first { $0.name == "fc.weight" }?.shape == [3, 5])
    }

    @Test func writingReplacesAtomicallyAndCleansUp() throws {
        let dir = try temporaryDirectory("replace")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.safetensors").path
        try SafeTensors.write(sample(), toFile: path)
        let second = ModelWeights(tensors: [("only", Tensor(shape: [2], values: [1, 2]))])
        try SafeTensors.write(second, toFile: path)
        #expect(try SafeTensors.read(contentsOfFile: path) == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["w.safetensors"])

        let missing = dir.appendingPathComponent("no/such/dir/w.safetensors").path
        #expect(throws: SafeTensorsError.self) { try SafeTensors.write(second, toFile: missing) }
        // A refused model leaves nothing behind either.
        let t = Tensor(shape: [1], values: [1])
        #expect(throws: SafeTensorsError.self) { try SafeTensors.write(ModelWeights(tensors: [("a", t), ("a", t)]), toFile: path) }
        #expect(try SafeTensors.read(contentsOfFile: path) == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["w.safetensors"])
    }

    @Test func largeTensorRoundTripsThroughAFile() throws {
        var rng = TestRandom(seed: 11)
        let weights = ModelWeights(tensors: [("big", Tensor(shape: [1001, 1003], values: rng.floats(1001 * 1003)))])
        let dir = try temporaryDirectory("large")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("big.safetensors").path
        try SafeTensors.write(weights, toFile: path)
        #expect(try SafeTensors.read(contentsOfFile: path) == weights)
    }

    @Test func sameWeightsGiveTheSameBytes() throws {
        let weights = sample()
        let a = try SafeTensors.encode(weights)
        #expect(try SafeTensors.encode(weights) == a)
        // Tensor order and metadata insertion order do not matter.
        var shuffled = weights
        shuffled.tensors.reverse()
        var metadata: [String: String] = [:]
        for key in weights.metadata.keys.sorted().reversed() { metadata[key] = weights.metadata[key] }
        shuffled.metadata = metadata
        #expect(try SafeTensors.encode(shuffled) == a)
        // Any change in a value changes the bytes.
        var changed = weights
        changed.tensors[0].tensor.values[3] += 1
        #expect(try SafeTensors.encode(changed) != a)
    }

    @Test func headerIsCompactSortedAndSpacePadded() throws {
        let weights = ModelWeights(tensors: [
            ("b", Tensor(shape: [2], values: [1, 2])),
            ("a", Tensor(shape: [], values: [3])),
        ], metadata: ["z": "1", "k": "x/y"])
        let bytes = try SafeTensors.encode(weights)
        let n = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let json = #"{"__metadata__":{"k":"x/y","z":"1"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(n % 8 == 0)
        #expect(String(decoding: bytes[8..<(8 + n)], as: UTF8.self) == json + String(repeating: " ", count: n - json.utf8.count))
        #expect(Array(bytes[(8 + n)...]) == floatBytes([3, 1, 2]))
    }

    @Test func noMetadataMeansNoMetadataKey() throws {
        let bytes = try SafeTensors.encode(ModelWeights(tensors: [("x", Tensor(shape: [1], values: [1]))]))
        #expect(String(decoding: bytes.dropFirst(8), as: UTF8.self).hasPrefix(#"{"x":{"dtype""#))
    }

    @Test func emptyModelRoundTrips() throws {
        let empty = ModelWeights(tensors: [], metadata: ["only": "metadata"])
        #expect(try SafeTensors.decode(SafeTensors.encode(empty)) == empty)
        #expect(try SafeTensors.decode(SafeTensors.encode(ModelWeights(tensors: []))) == ModelWeights(tensors: []))
    }

    @Test func unpaddedHeadersAndEscapesAreRead() throws {
        // A header that is not a multiple of 8 (data unaligned), with escapes the writer never uses.
        let header = #"{"__metadata__":{"k\/\u00e9":"\ud83d\ude00"},"t\u0041":{"data_offsets":[0,8],"shape":[2],"dtype":"F32","extra":[1,{"a":null}]}}"#
        #expect(header.utf8.count % 8 != 0)
        let w = try SafeTensors.decode(rawFile(header, data: floatBytes([1.5, -2])))
        #expect(w.metadata == ["k/é": "😀"])
        #expect(w.tensors.map(\.name) == ["tA"])
        #expect(w["tA"]?.values == [1.5, -2])
    }
}

@Suite struct SafeTensorsDTypeTests {
    func decodeOne(_ dtype: String, shape: [Int], data: [UInt8]) throws -> [Float] {
        let header = #"{"t":{"dtype":"\#(dtype)","shape":[\#(shape.map(String.init).joined(separator: ","))],"data_offsets":[0,\#(data.count)]}}"#
        return try #require(try SafeTensors.decode(rawFile(header, data: data))["t"]).values
    }

    func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    }

    @Test func f64IsRoundedToFloat() throws {
        let doubles: [Double] = [1.0, -2.5, 0.1, 1e300, -1e-300, 3.141592653589793]
        let values = try decodeOne("F64", shape: [6], data: le(doubles.map(\.bitPattern)))
        #expect(values.map(\.bitPattern) == doubles.map { Float($0).bitPattern })
    }

    @Test func f16AndBF16Convert() throws {
        // 1, -2, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest normal), +inf, -0
        let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x7C00, 0x8000]
        let f16 = try decodeOne("F16", shape: [7], data: le(halves))
        #expect(f16.map(\.bitPattern) == [1, -2, 65504, 0x1p-24, 0x1p-14, .infinity, -0.0].map { (x: Float) in x.bitPattern })
        #expect(try decodeOne("F16", shape: [1], data: le([UInt16(0x7E00)]))[0].isNaN)
        let bf16 = try decodeOne("BF16", shape: [2, 2], data: le([UInt16(0x3F80), 0xC040, 0x0000, 0x7F80]))
        #expect(bf16 == [1, -3, 0, .infinity])
    }

    @Test func halfConversionMatchesTheStandardLibraryForEveryBitPattern() {
        #if !(os(macOS) && arch(x86_64))
        for h in 0...UInt16.max {
            let ours = SafeTensors.halfToFloat(h)
            let reference = Float(Float16(bitPattern: h))
            if reference.isNaN {
                #expect(ours.isNaN, "0x\(String(h, radix: 16))")
            } else if ours.bitPattern != reference.bitPattern {
                Issue.record("0x\(String(h, radix: 16)): \(ours) != \(reference)")
                return
            }
        }
        #endif
    }

    @Test func integersConvert() throws {
        #expect(try decodeOne("I32", shape: [3], data: le([Int32(-7), 0, 123_456])) == [-7, 0, 123_456])
        #expect(try decodeOne("I64", shape: [2], data: le([Int64(-1), 1 << 40])) == [-1, 0x1p40])
    }
}

@Suite struct SafeTensorsMalformedTests {
    /// Decodes from memory and from a file; both must fail with `kind` (naming `tensor` if given).
    func expectFailure(_ bytes: [UInt8], _ kind: SafeTensorsError.Kind, tensor: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try temporaryDirectory("bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let attempts: [(String, () throws -> ModelWeights)] = [
            ("memory", { try SafeTensors.decode(bytes) }),
            ("file", { try SafeTensors.read(contentsOfFile: path) }),
        ]
        for (source, attempt) in attempts {
            do {
                _ = try attempt()
                Issue.record("\(source): expected a \(kind) error, decoding succeeded", sourceLocation: sourceLocation)
            } catch let error as SafeTensorsError {
                #expect(error.kind == kind, "\(source): \(error)", sourceLocation: sourceLocation)
                if let tensor {
                    #expect(error.tensor == tensor, "\(source): \(error)", sourceLocation: sourceLocation)
                    #expect(error.message.contains("'\(tensor)'"), "\(source): \(error)", sourceLocation: sourceLocation)
                }
            } catch {
                Issue.record("\(source): unexpected error \(error)", sourceLocation: sourceLocation)
            }
        }
    }

    let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    @Test func truncatedFiles() throws {
        try expectFailure([], .truncated)
        try expectFailure([1, 0, 0], .truncated)
        // The header length runs past the end.
        try expectFailure(rawFile(good, length: UInt64(good.utf8.count + 1)), .truncated)
        try expectFailure(Array(rawFile(good).dropLast(5)), .truncated)
        // A valid file cut inside its data: the offsets now run past the end.
        let whole = try SafeTensors.encode(sample())
        try expectFailure(Array(whole.dropLast(4)), .offsetsOutOfBounds)
    }

    @Test func headerLengthTooLarge() throws {
        try expectFailure(rawFile(good, length: 100_000_001), .headerTooLarge)
        try expectFailure(rawFile(good, length: UInt64.max), .headerTooLarge)
    }

    @Test func badJSON() throws {
        for header in [#"{"a":{"dtype":"F32","#, "{", "", "   ", #"{"a" 1}"#, #"{"a":tru}"#, #"{"a":01}"#, #"{"a":"\x"}"#,
                       #"{"a":1} x"#, "{\"a\":\"\u{1}\"}", #"{"a":"\ud800"}"#, #"{"a":[1,]}"#, #"{,}"#] {
            try expectFailure(rawFile(header), .invalidHeader)
        }
        // Invalid UTF-8 inside a string.
        try expectFailure(rawFile(bytes: Array("{\"a".utf8) + [0xFF] + Array("\":{}}".utf8)), .invalidHeader)
        // Nested too deep for the parser's limit.
        try expectFailure(rawFile(#"{"__metadata__":"# + String(repeating: "[", count: 10_000) + "}"), .invalidHeader)
    }

    @Test func headerNotAnObject() throws {
        try expectFailure(rawFile("[1, 2]"), .invalidHeader)
        try expectFailure(rawFile(#""F32""#), .invalidHeader)
        try expectFailure(rawFile("null"), .invalidHeader)
    }

    @Test func duplicateNames() throws {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        try expectFailure(rawFile(header, data: floatBytes([1, 2])), .duplicateName, tensor: "w")
        // A repeated field inside an entry is bad JSON for us, not a duplicate tensor.
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: floatBytes([1])), .invalidHeader)
    }

    @Test func dtypes() throws {
        try expectFailure(rawFile(#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: floatBytes([1])), .unknownDType, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#, data: [1, 2, 3, 4]), .unsupportedDType, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}"#, data: floatBytes([1])), .unknownDType, tensor: "w")
        // F32 bytes declared as F64: two floats are one double, so the shape no longer fits.
        try expectFailure(rawFile(#"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .sizeMismatch, tensor: "w")
    }

    @Test func shapes() throws {
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .sizeMismatch, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .sizeMismatch, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .invalidShape, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .invalidShape, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .invalidShape, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .invalidShape, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .invalidShape, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}"#, data: floatBytes([1, 2])), .invalidShape, tensor: "w")
        // A zero dimension makes a huge other one harmless (0 elements), but then 8 bytes are left over.
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[0,9223372036854775807],"data_offsets":[0,0]}}"#, data: floatBytes([1, 2])), .incompleteBuffer)
    }

    @Test func offsets() throws {
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: floatBytes([1, 2])), .offsetsOutOfBounds, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#, data: floatBytes([1, 2])), .offsetsOutOfBounds, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}"#, data: floatBytes([1, 2])), .invalidTensorInfo, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[-1,7]}}"#, data: floatBytes([1, 2])), .invalidTensorInfo, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551624]}}"#, data: floatBytes([1, 2])), .invalidTensorInfo, tensor: "w")
    }

    @Test func overlapsGapsAndTrailingBytes() throws {
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        try expectFailure(rawFile(overlap, data: floatBytes([1, 2, 3])), .offsetsNotContiguous, tensor: "b")
        let same = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        try expectFailure(rawFile(same, data: floatBytes([1, 2])), .offsetsNotContiguous, tensor: "b")
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        try expectFailure(rawFile(gap, data: floatBytes([1, 2, 3])), .offsetsNotContiguous, tensor: "b")
        let startsLate = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        try expectFailure(rawFile(startsLate, data: floatBytes([1, 2])), .offsetsNotContiguous, tensor: "a")
        try expectFailure(rawFile(good, data: floatBytes([1, 2, 3])), .incompleteBuffer)
        try expectFailure(rawFile("{}", data: [0]), .incompleteBuffer)
    }

    @Test func badEntriesAndMetadata() throws {
        try expectFailure(rawFile(#"{"w":[1]}"#), .invalidTensorInfo, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, data: floatBytes([1])), .invalidTensorInfo, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, data: floatBytes([1])), .invalidTensorInfo, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":"F32","shape":1,"data_offsets":[0,4]}}"#, data: floatBytes([1])), .invalidTensorInfo, tensor: "w")
        try expectFailure(rawFile(#"{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#, data: floatBytes([1])), .invalidTensorInfo, tensor: "w")
        try expectFailure(rawFile(#"{"__metadata__":{"round":3}}"#), .invalidMetadata)
        try expectFailure(rawFile(#"{"__metadata__":["x"]}"#), .invalidMetadata)
    }

    @Test func validMinimalFilesStillDecode() throws {
        // The malformed cases above are near misses of these.
        #expect(try SafeTensors.decode(rawFile(good, data: floatBytes([1, 2])))["a"]?.values == [1, 2])
        #expect(try SafeTensors.decode(rawFile("{}")) == ModelWeights(tensors: []))
        #expect(try SafeTensors.decode(rawFile(#"{"__metadata__":{}}"#)) == ModelWeights(tensors: []))
        let zero = #"{"z":{"dtype":"F32","shape":[0,9223372036854775807],"data_offsets":[0,0]}}"#
        #expect(try SafeTensors.decode(rawFile(zero))["z"]?.shape == [0, Int.max])
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: SafeTensorsError.self) { try SafeTensors.read(contentsOfFile: "/nonexistent/dir/x.safetensors") }
        do {
            _ = try SafeTensors.read(contentsOfFile: "/nonexistent/dir/x.safetensors")
        } catch let error as SafeTensorsError {
            #expect(error.kind == .io)
            #expect(error.message.contains("/nonexistent/dir/x.safetensors"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func writerRefusesWhatItCannotRepresent() {
        func kind(_ weights: ModelWeights) -> SafeTensorsError.Kind? {
            do { _ = try SafeTensors.encode(weights); return nil } catch { return (error as? SafeTensorsError)?.kind }
        }
        let t = Tensor(shape: [1], values: [1])
        #expect(kind(ModelWeights(tensors: [("a", t), ("a", t)])) == .duplicateName)
        #expect(kind(ModelWeights(tensors: [("__metadata__", t)])) == .invalidWeights)
        var broken = t
        broken.values.append(2)  // the fields are mutable, so shape and values can disagree
        #expect(kind(ModelWeights(tensors: [("a", broken)])) == .invalidWeights)
    }
}
