import FedWeights
import Foundation
import Testing

/// Reading safetensors where they lie must give exactly what decoding gives: the same averages
/// (bit for bit, and the same output bytes), the same refusals.
@Suite struct SafeTensorsInPlaceTests {
    /// A model of CNN-like tensors with seeded values (names deliberately out of sorted order).
    static func model(seed: UInt64, scale: Float = 1) -> ModelWeights {
        var s = seed
        func values(_ n: Int) -> [Float] {
            (0..<n).map { _ in
                s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: s >> 11) % 100_003) / 7919 * scale
            }
        }
        return ModelWeights(tensors: [("fc.weight", Tensor(shape: [10, 300], values: values(3000))),
                                      ("conv.bias", Tensor(shape: [16], values: values(16))),
                                      ("conv.weight", Tensor(shape: [16, 3, 3, 3], values: values(432))),
                                      ("empty", Tensor(shape: [0], values: []))],
                            metadata: ["participant": "p\(seed)"])
    }

    @Test(arguments: [1, 2, 3, 7])
    func averagingInPlaceGivesTheBytesOfDecodeAverageEncode(participants: Int) throws {
        let models = (0..<participants).map { Self.model(seed: UInt64($0 + 1), scale: Float($0 + 1)) }
        let samples = (0..<participants).map { 17 * $0 + 5 }
        let encoded = try models.map { try SafeTensors.encode($0) }
        let metadata = ["fedplane.round": "4", "fedplane.participants": "a,b"]

        var expected = try FedAvg.average(zip(models, samples).map { (weights: $0, samples: $1) })
        expected.metadata = metadata
        let expectedBytes = try SafeTensors.encode(expected)

        let got: [UInt8]? = try withPinned(encoded) { buffers in
            try FedAvg.averageSafetensors(zip(buffers, samples).map { (buffer: $0, header: try SafeTensors.header($0), samples: $1) },
                                          metadata: metadata)
        }
        #expect(got == expectedBytes)
    }

    @Test func encodeF32WritesWhatEncodeWrites() throws {
        let m = Self.model(seed: 9)
        let bytes = try SafeTensors.encodeF32(m.tensors.map { ($0.name, $0.tensor.shape) }, metadata: m.metadata) { i, out in
            _ = out.initialize(from: m.tensors[i].tensor.values)
        }
        #expect(bytes == (try SafeTensors.encode(m)))
    }

    /// The scan reduces blocks of 4096 values before it looks for an index: the first
    /// non-finite value is found wherever it lies (block edges, the short last block), the
    /// largest finite values are not taken for one, and the first of two hits wins.
    @Test func theFirstNonFiniteValueIsFoundAtEveryPosition() {
        let count = 3 * 4096 + 5
        var clean = [Float](repeating: 0, count: count)
        for i in 0..<count {
            switch i % 3 {
            case 0: clean[i] = Float.greatestFiniteMagnitude
            case 1: clean[i] = -Float.greatestFiniteMagnitude
            default: clean[i] = Float(i) * 1e-3
            }
        }
        #expect(clean.withUnsafeBufferPointer(SafeTensors.firstNonFinite) == nil)
        for at in [0, 1, 4095, 4096, 4097, 8191, 8192, 3 * 4096, count - 1] {
            for bad: Float in [.nan, .infinity, -.infinity, .signalingNaN] {
                var v = clean
                v[at] = bad
                if at + 4000 < count { v[at + 4000] = Float.nan }
                #expect(v.withUnsafeBufferPointer(SafeTensors.firstNonFinite) == at, "\(bad) at \(at)")
            }
        }
        #expect([Float]().withUnsafeBufferPointer(SafeTensors.firstNonFinite) == nil)
    }

    @Test func nonFiniteValuesAreFoundInPlaceAsByDecoding() throws {
        for bad: Float in [.nan, .infinity, -.infinity] {
            var m = Self.model(seed: 3)
            m.tensors[2].tensor.values[57] = bad
            let bytes = try SafeTensors.encode(m)
            let inPlace = try bytes.withUnsafeBytes { SafeTensors.firstNonFinite(try SafeTensors.header($0), in: $0) }
            let decoded = ModelCheck.firstNonFinite(try SafeTensors.decode(bytes))
            #expect(inPlace?.0 == decoded?.0 && inPlace?.1 == decoded?.1 && inPlace?.0 == "conv.weight" && inPlace?.1 == 57)
        }
        let clean = try SafeTensors.encode(Self.model(seed: 3))
        #expect(try clean.withUnsafeBytes { SafeTensors.firstNonFinite(try SafeTensors.header($0), in: $0) } == nil)
    }

    @Test func anUpdateCheckedInPlaceIsRefusedWithTheSameReasons() throws {
        let global = try SafeTensors.encode(Self.model(seed: 1))
        let signature = try ModelSignature(of: global)
        var renamed = Self.model(seed: 2)
        renamed.tensors[0].name = "fc.weights"
        var reshaped = Self.model(seed: 2)
        reshaped.tensors[1].tensor = Tensor(shape: [4, 4], values: reshaped.tensors[1].tensor.values)
        var poisoned = Self.model(seed: 2)
        poisoned.tensors[0].tensor.values[1] = .nan
        for model in [renamed, reshaped, poisoned] {
            let bytes = try SafeTensors.encode(model)
            let decodedError = #expect(throws: ModelCheckError.self) { _ = try ModelCheck.update(bytes, matching: signature) }
            let inPlaceError = #expect(throws: ModelCheckError.self) { _ = try bytes.withUnsafeBytes { try ModelCheck.updateInPlace($0, matching: signature) } }
            #expect(decodedError == inPlaceError)
        }
        let fine = try SafeTensors.encode(Self.model(seed: 2))
        let header = try fine.withUnsafeBytes { try ModelCheck.updateInPlace($0, matching: signature) }
        #expect(header.entries.count == 4)
    }

    @Test func aMappedFileHoldsTheFileBytes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-mapped-\(UUID().uuidString).safetensors").path
        defer { unlink(path) }
        let m = Self.model(seed: 5)
        try SafeTensors.write(m, toFile: path)
        let file = try MappedFile(path: path)
        #expect(Array(file.bytes) == (try SafeTensors.encode(m)))
        #expect(try SafeTensors.decode(file.bytes)["conv.weight"] == m["conv.weight"])
        #expect(throws: SafeTensorsError.self) { _ = try MappedFile(path: path + ".missing") }
    }

    func withPinned<R>(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        var pinned: [UnsafeRawBufferPointer] = []
        func pin(_ i: Int) throws -> R {
            if i == arrays.count { return try body(pinned) }
            return try arrays[i].withUnsafeBytes { raw in
                pinned.append(raw)
                return try pin(i + 1)
            }
        }
        return try pin(0)
    }
}
