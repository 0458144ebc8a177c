import FedWeights
import Testing
@testable import FedTrain

/// Hierarchical FedAvg: regional groups averaged, then their results averaged by summed samples,
/// equal flat FedAvg over every participant (issue 16).
@Suite struct RegionalAggregateTests {
    static func participants(seed: UInt64, count: Int) -> [(weights: ModelWeights, samples: Int, evaluation: Evaluation?)] {
        var rng = Numbers(state: seed)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.nextUnit() * 4 - 2) } }
        return (0..<count).map { _ in
            let w = ModelWeights(tensors: [("dense.w", Tensor(shape: [30, 10], values: values(300))),
                                           ("dense.b", Tensor(shape: [10], values: values(10))),
                                           ("scale", Tensor(shape: [], values: values(1)))])
            let samples = 1 + rng.nextInt(below: 500)
            var confusion = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
            for _ in 0..<samples { confusion[rng.nextInt(below: 3)][rng.nextInt(below: 3)] += 1 }
            return (w, samples, Evaluation(samples: samples, loss: rng.nextUnit(), confusion: confusion))
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func twoLevelFedAvgEqualsFlatFedAvg(seed: UInt64) throws {
        let all = Self.participants(seed: seed, count: 9)
        let groups = [[0, 1, 2], [3, 4], [5, 6, 7, 8]]
        let regional = try groups.map { g in try RegionalUpdate.combine(g.map { all[$0] }) }
        let global = try FedAvg.average(regional.map { (weights: $0.weights, samples: $0.samples) })
        let flat = try FedAvg.average(all.map { (weights: $0.weights, samples: $0.samples) })
        for (name, tensor) in flat.tensors {
            let twoLevel = try #require(global[name])
            #expect(twoLevel.shape == tensor.shape)
            let worst = zip(twoLevel.values, tensor.values).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "\(name): max |two-level − flat| = \(worst)")
        }
        #expect(regional.map(\.samples).reduce(0, +) == all.map(\.samples).reduce(0, +))
        let globalEval = try #require(try RegionalUpdate.sum(regional.compactMap(\.evaluation)))
        let flatEval = try #require(try RegionalUpdate.sum(all.compactMap(\.evaluation)))
        #expect(globalEval.confusion == flatEval.confusion && globalEval.samples == flatEval.samples)
        #expect(abs(globalEval.loss - flatEval.loss) < 1e-12)
        try globalEval.validate(classes: 3)
    }

    @Test func aGroupOfOneIsItsOnlyChild() throws {
        let one = Self.participants(seed: 9, count: 1)
        let r = try RegionalUpdate.combine(one)
        #expect(r.weights == one[0].weights && r.samples == one[0].samples && r.evaluation == one[0].evaluation)
    }

    @Test func mismatchedConfusionMatricesAreRefused() {
        let a = Evaluation(samples: 1, loss: 0, confusion: [[1, 0], [0, 0]])
        let b = Evaluation(samples: 1, loss: 0, confusion: [[1, 0, 0], [0, 0, 0], [0, 0, 0]])
        #expect(throws: MetricsError.self) { try RegionalUpdate.sum([a, b]) }
    }
}

/// A small deterministic generator (64-bit LCG, top bits), so the test needs no other module.
struct Numbers {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
    mutating func nextUnit() -> Double { Double(next()) / Double(1 << 53) }
    mutating func nextInt(below n: Int) -> Int { Int(next() % UInt64(n)) }
}
