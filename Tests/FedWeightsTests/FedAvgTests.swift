import Foundation
import Testing
@testable import FedWeights

/// Runs `body` and returns the FedAvgError it throws (nil if it throws nothing or something else).
func fedAvgError(_ body: () throws -> Any) -> FedAvgError? {
    do { _ = try body(); return nil } catch { return error as? FedAvgError }
}

/// nil when `a` and `b` are bit-identical, else a short description of the first difference
/// (so a failure does not print arrays of thousands of values).
func firstDifference(_ a: [Float], _ b: [Float]) -> String? {
    guard a.count == b.count else { return "lengths \(a.count) and \(b.count)" }
    guard let j = a.indices.first(where: { a[j: $0] != b[j: $0] }) else { return nil }
    return "first difference at \(j) of \(a.count): \(a[j]) vs \(b[j])"
}

extension Array where Element == Float {
    subscript(j j: Int) -> UInt32 { self[j].bitPattern }
}

/// Σ (nᵢ/Σn)·xᵢ in Double, and Σ |wᵢ·xᵢ| (the scale for a relative error bound).
func reference(_ updates: [[Float]], _ samples: [Int]) -> (values: [Double], scale: [Double]) {
    let total = Double(samples.reduce(0, +))
    var values = [Double](repeating: 0, count: updates[0].count)
    var scale = values
    for (u, n) in zip(updates, samples) {
        let w = Double(n) / total
        for j in u.indices {
            values[j] += w * Double(u[j])
            scale[j] += abs(w * Double(u[j]))
        }
    }
    return (values, scale)
}

/// The documented contract: Float32 left fold in participant order with Float(nᵢ/Σn) weights.
func naiveFold(_ updates: [[Float]], _ samples: [Int]) -> [Float] {
    let total = Double(samples.reduce(0, +))
    let w = samples.map { Float(Double($0) / total) }
    return (0..<updates[0].count).map { j in
        var acc = w[0] * updates[0][j]
        for i in 1..<updates.count { acc = acc + w[i] * updates[i][j] }
        return acc
    }
}

@Suite struct FedAvgTests {
    @Test func weightsAreSamplesOverTotal() throws {
        #expect(try FedAvg.weights(samples: [1, 3]) == [0.25, 0.75])
        #expect(try FedAvg.weights(samples: [5]) == [1])
        #expect(try FedAvg.weights(samples: [0, 2, 2]) == [0, 0.5, 0.5])
    }

    @Test func handComputedFlat() throws {
        // (1·[1,2,3] + 3·[3,4,5]) / 4 = [2.5, 3.5, 4.5]
        #expect(try FedAvg.average([(values: [1, 2, 3], samples: 1), (values: [3, 4, 5], samples: 3)]) == [2.5, 3.5, 4.5])
        // Equal samples: the plain mean.
        #expect(try FedAvg.average([(values: [2, -4], samples: 7), (values: [4, 4], samples: 7), (values: [0, 3], samples: 7)]) == [2, 1])
        // A participant with no samples does not count.
        #expect(try FedAvg.average([(values: [100, 100], samples: 0), (values: [1, 2], samples: 5)]) == [1, 2])
        // One participant: its values, exactly.
        let one: [Float] = [0.1, -7.25, .leastNonzeroMagnitude, 3e38]
        #expect(try FedAvg.average([(values: one, samples: 42)]) == one)
        // Empty buffers average to an empty buffer.
        #expect(try FedAvg.average([(values: [Float](), samples: 1), (values: [], samples: 2)]) == [])
    }

    @Test func weightingBySamplesNotByParticipant() throws {
        // 9 samples of 0 and 1 sample of 10 average to 1, not 5.
        #expect(try FedAvg.average([(values: [0], samples: 9), (values: [10], samples: 1)]) == [1])
        let result = try FedAvg.average([(values: [1, 0], samples: 10), (values: [0, 1], samples: 30), (values: [0, 0], samples: 60)])
        #expect(result == [0.1, 0.3])
    }

    @Test func handComputedModelWeights() throws {
        let a = ModelWeights(tensors: [("w", Tensor(shape: [2, 2], values: [1, 2, 3, 4])), ("b", Tensor(shape: [], values: [10]))],
                             metadata: ["model": "m1", "client": "a"])
        // Same tensors listed in another order: matched by name.
        let b = ModelWeights(tensors: [("b", Tensor(shape: [], values: [20])), ("w", Tensor(shape: [2, 2], values: [5, 6, 7, 8]))],
                             metadata: ["model": "m1", "client": "b"])
        let avg = try FedAvg.average([(weights: a, samples: 3), (weights: b, samples: 1)])
        #expect(avg.tensors.map(\.name) == ["w", "b"])
        #expect(avg["w"] == Tensor(shape: [2, 2], values: [2, 3, 4, 5]))
        #expect(avg["b"] == Tensor(shape: [], values: [12.5]))
        #expect(avg.metadata == ["model": "m1"])  // only what all updates agree on
    }

    @Test func inputErrors() {
        #expect(fedAvgError { try FedAvg.average([(values: [Float], samples: Int)]()) }?.kind == .noUpdates)
        #expect(fedAvgError { try FedAvg.average([(values: [1], samples: 0), (values: [2], samples: 0)]) }?.kind == .zeroTotalSamples)
        let negative = fedAvgError { try FedAvg.average([(values: [1], samples: 3), (values: [2], samples: -1)]) }
        #expect(negative?.kind == .invalidSamples)
        #expect(negative?.participant == 1)
        #expect(fedAvgError { try FedAvg.weights(samples: [Int.max, 1]) }?.kind == .invalidSamples)

        let length = fedAvgError { try FedAvg.average([(values: [1, 2], samples: 1), (values: [1, 2], samples: 1), (values: [1], samples: 1)]) }
        #expect(length?.kind == .shapeMismatch)
        #expect(length?.participant == 2)
        #expect(length?.message.contains("participant 2") == true)

        var out = [Float](repeating: 0, count: 3)
        let into = fedAvgError {
            try [Float](repeating: 1, count: 2).withUnsafeBufferPointer { input in
                try out.withUnsafeMutableBufferPointer { try FedAvg.average([(values: input, samples: 1)], into: $0) }
            }
        }
        #expect(into?.kind == .shapeMismatch)
    }

    @Test func modelMismatchErrorsNameParticipantAndTensor() {
        let t = { (shape: [Int]) in Tensor(zeros: shape) }
        let base = ModelWeights(tensors: [("conv.w", t([3, 3])), ("conv.b", t([3]))])
        func check(_ other: ModelWeights, _ kind: FedAvgError.Kind, tensor: String) {
            let error = fedAvgError { try FedAvg.average([(weights: base, samples: 1), (weights: base, samples: 1), (weights: other, samples: 1)]) }
            #expect(error?.kind == kind, "\(String(describing: error))")
            #expect(error?.participant == 2)
            #expect(error?.tensor == tensor)
            #expect(error?.message.contains("participant 2") == true, "\(String(describing: error))")
            #expect(error?.message.contains("'\(tensor)'") == true, "\(String(describing: error))")
        }
        check(ModelWeights(tensors: [("conv.w", t([3, 3]))]), .tensorNamesMismatch, tensor: "conv.b")
        check(ModelWeights(tensors: [("conv.w", t([3, 3])), ("conv.b", t([3])), ("extra", t([1]))]), .tensorNamesMismatch, tensor: "extra")
        check(ModelWeights(tensors: [("conv.w", t([3, 3])), ("conv.bias", t([3]))]), .tensorNamesMismatch, tensor: "conv.b")
        check(ModelWeights(tensors: [("conv.w", t([9])), ("conv.b", t([3]))]), .shapeMismatch, tensor: "conv.w")
        check(ModelWeights(tensors: [("conv.w", t([3, 3])), ("conv.b", t([4]))]), .shapeMismatch, tensor: "conv.b")
        check(ModelWeights(tensors: [("conv.w", t([3, 3])), ("conv.b", t([3])), ("conv.b", t([3]))]), .invalidUpdate, tensor: "conv.b")
        var broken = ModelWeights(tensors: [("conv.w", t([3, 3])), ("conv.b", t([3]))])
        broken.tensors[1].tensor.values.append(1)
        check(broken, .invalidUpdate, tensor: "conv.b")
    }

    /// Lengths around the SIMD width, the block size (4096) and the chunk size (131072).
    static let lengths = [1, 3, 7, 17, 4095, 4097, 131_071, 300_001]

    @Test(arguments: [1, 2, 3, 5, 10])
    func fastPathMatchesDoubleReference(participants: Int) throws {
        var rng = TestRandom(seed: UInt64(participants))
        for length in Self.lengths {
            let updates = (0..<participants).map { _ in rng.floats(length, scale: 3) }
            let samples = (0..<participants).map { _ in 1 + Int(rng.next() % 5000) }
            let result = try FedAvg.average(zip(updates, samples).map { (values: $0, samples: $1) })
            let (exact, scale) = reference(updates, samples)
            var worst = 0.0
            for j in 0..<length {
                // Float rounding of N products, N-1 sums and the weights: well under 1e-6 relative.
                worst = max(worst, abs(Double(result[j]) - exact[j]) / max(scale[j], 1e-30))
            }
            #expect(worst < 1e-6, "N=\(participants) length \(length): worst relative error \(worst)")
            if participants == 1 {
                let difference = firstDifference(result, updates[0])
                #expect(difference == nil)
            }
        }
    }

    @Test func resultIsTheDocumentedFoldWhateverTheBlockingAndThreads() throws {
        var rng = TestRandom(seed: 99)
        let length = 50_003
        for participants in [1, 2, 4, 7, 10] {
            let updates = (0..<participants).map { _ in rng.floats(length, scale: 100) }
            let samples = (0..<participants).map { _ in Int(rng.next() % 1000) + 1 }
            let expected = naiveFold(updates, samples)
            let pairs = zip(updates, samples).map { (values: $0, samples: $1) }
            let configs: [FedAvg.Config] = [
                .default,
                .init(blockSize: 16, chunkSize: 64, threads: 1, parallelThreshold: 0, group: 64),
                .init(blockSize: 1000, chunkSize: 3001, threads: 2, parallelThreshold: 0, group: 3),
                .init(blockSize: 4096, chunkSize: 8192, threads: 4, parallelThreshold: 0, group: 1),
                .init(blockSize: 100_000, chunkSize: 1 << 20, threads: 2, parallelThreshold: 1 << 30, group: 2),
            ]
            for config in configs {
                let result = try FedAvg.average(pairs, config: config)
                let difference = firstDifference(result, expected)
                #expect(difference == nil, "N=\(participants) \(config)")
            }
        }
    }

    @Test func manyParticipantsSpanSeveralGroups() throws {
        var rng = TestRandom(seed: 5)
        let updates = (0..<150).map { _ in rng.floats(1001) }
        let samples = (0..<150).map { $0 % 7 }  // includes zeros
        let result = try FedAvg.average(zip(updates, samples).map { (values: $0, samples: $1) })
        let difference = firstDifference(result, naiveFold(updates, samples))
        #expect(difference == nil)
        let (exact, scale) = reference(updates, samples)
        let worst = exact.indices.map { abs(Double(result[$0]) - exact[$0]) / max(scale[$0], 1e-30) }.max()!
        #expect(worst < 1e-5)
    }

    @Test func allEntryPointsAgree() throws {
        var rng = TestRandom(seed: 3)
        let layout = FlatLayout(entries: [
            .init(name: "a", shape: [17, 31], range: 0..<527),
            .init(name: "b", shape: [31], range: 527..<558),
            .init(name: "c", shape: [], range: 558..<559),
        ])
        let flat = (0..<4).map { _ in rng.floats(layout.count) }
        let samples = [10, 0, 25, 3]
        let models = try flat.map { try ModelWeights(flat: $0, layout: layout) }
        let fromArrays = try FedAvg.average(zip(flat, samples).map { (values: $0, samples: $1) })
        let fromModels = try FedAvg.average(zip(models, samples).map { (weights: $0, samples: $1) })
        #expect(fromModels.flattened() == fromArrays)
        #expect(FlatLayout(fromModels) == layout)
        let fromPointers = try FedAvgBenchLike.pinned(flat) { buffers in
            try FedAvg.average(zip(buffers, samples).map { (values: $0, samples: $1) })
        }
        #expect(fromPointers == fromArrays)
        var out = [Float](repeating: .nan, count: layout.count)
        try FedAvgBenchLike.pinned(flat) { buffers in
            try out.withUnsafeMutableBufferPointer { try FedAvg.average(zip(buffers, samples).map { (values: $0, samples: $1) }, into: $0) }
        }
        #expect(out == fromArrays)
    }
}

enum FedAvgBenchLike {
    static func pinned<R>(_ arrays: [[Float]], _ body: ([UnsafeBufferPointer<Float>]) throws -> R) throws -> R {
        var buffers: [UnsafeBufferPointer<Float>] = []
        func pin(_ i: Int) throws -> R {
            if i == arrays.count { return try body(buffers) }
            return try arrays[i].withUnsafeBufferPointer { b in buffers.append(b); return try pin(i + 1) }
        }
        return try pin(0)
    }
}

@Suite struct FlatLayoutTests {
    @Test func flattenAndRebuild() throws {
        let weights = sample()
        let (values, layout) = weights.flattenedWithLayout()
        #expect(values.count == weights.parameterCount)
        #expect(layout.count == values.count)
        #expect(layout.entries.map(\.name) == weights.tensors.map(\.name))
        #expect(Array(values[layout.entries[1].range]) == weights.tensors[1].tensor.values)
        let rebuilt = try ModelWeights(flat: values, layout: layout, metadata: weights.metadata)
        #expect(rebuilt.tensors.map(\.name) == weights.tensors.map(\.name))
        #expect(zip(rebuilt.tensors, weights.tensors).allSatisfy { bits($0.tensor) == bits($1.tensor) && $0.tensor.shape == $1.tensor.shape })
    }

    @Test func mismatchedLayoutsAreRejected() {
        let layout = FlatLayout(entries: [.init(name: "a", shape: [2], range: 0..<2), .init(name: "b", shape: [3], range: 2..<5)])
        #expect(throws: FlatLayoutError.self) { try ModelWeights(flat: [1, 2, 3], layout: layout) }
        let gap = FlatLayout(entries: [.init(name: "a", shape: [2], range: 0..<2), .init(name: "b", shape: [3], range: 3..<6)])
        #expect(throws: FlatLayoutError.self) { try ModelWeights(flat: [Float](repeating: 0, count: 6), layout: gap) }
        let badShape = FlatLayout(entries: [.init(name: "a", shape: [2, 2], range: 0..<2)])
        #expect(throws: FlatLayoutError.self) { try ModelWeights(flat: [1, 2], layout: badShape) }
    }
}
