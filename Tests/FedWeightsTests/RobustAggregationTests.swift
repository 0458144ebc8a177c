@testable import FedWeights
import Testing

@Suite struct RobustAggregationTests {
    func model(_ w: [Float], _ b: [Float]) -> ModelWeights {
        ModelWeights(tensors: [("w", Tensor(shape: [2, 2], values: w)), ("b", Tensor(shape: [2], values: b))])
    }

    func close(_ a: [Float], _ b: [Float]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 } }

    @Test func theMedianIgnoresOneExtremeParticipant() throws {
        let honest = [model([1, 2, 3, 4], [0, 1]), model([1.2, 2.2, 2.8, 4.1], [0.2, 0.8]), model([0.9, 1.8, 3.1, 3.9], [0.1, 1.1])]
        let hostile = model([1e30, -1e30, 1e30, -1e30], [1e30, 1e30])
        let m = try RobustAggregation.median(honest + [hostile])
        // Even count: the mean of the two middle values, all honest ones.
        #expect(close(m["w"]!.values, [1.1, 1.9, 3.05, 3.95]), "\(m["w"]!.values)")
        #expect(close(m["b"]!.values, [0.15, 1.05]), "\(m["b"]!.values)")
        let fedavg = try FedAvg.average((honest + [hostile]).map { (weights: $0, samples: 1) })
        #expect(fedavg["w"]!.values[0] > 1e29, "FedAvg follows the hostile update; the median does not")
    }

    @Test func theTrimmedMeanDropsTheTails() throws {
        let updates = (0..<10).map { i in model([Float(i), 0, 0, 0], [0, 0]) } + [model([1000, 0, 0, 0], [0, 0])]
        // 11 updates, trim 0.1: one value dropped at each end (0 and 1000), the mean of 1...9 is 5.
        let t = try RobustAggregation.trimmedMean(updates, trim: 0.1)
        #expect(t["w"]!.values[0] == 5)
        #expect(close(try RobustAggregation.trimmedMean(updates, trim: 0)["w"]!.values, [Float((45.0 + 1000) / 11), 0, 0, 0]))
        #expect(throws: FedAvgError.self) { try RobustAggregation.trimmedMean(updates, trim: 0.5) }
    }

    @Test func clippingBoundsTheChangeOfAnUpdate() throws {
        let global = model([0, 0, 0, 0], [0, 0])
        let big = model([3, 4, 0, 0], [0, 0])           // change of norm 5
        let c = try RobustAggregation.clipped(big, global: global, maxNorm: 1)
        #expect(abs(c["w"]!.values[0] - 0.6) < 1e-6 && abs(c["w"]!.values[1] - 0.8) < 1e-6)
        #expect(try RobustAggregation.clipped(big, global: global, maxNorm: 10) == big)
        #expect(throws: FedAvgError.self) { try RobustAggregation.clipped(ModelWeights(tensors: [("w", Tensor(shape: [4], values: [1, 2, 3, 4]))]), global: global, maxNorm: 1) }
    }
}
