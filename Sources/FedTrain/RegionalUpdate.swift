import FedWeights

/// What a regional aggregator posts to its parent as one update (hierarchical FedAvg, issue 16):
/// its children's weights averaged by sample count, their summed sample count, and their summed
/// evaluation (confusion matrices add; the loss is the sample-weighted mean).
///
/// Weighted averaging is associative: with `samples` the group's total, the parent's FedAvg of
/// regional updates gives every participant the weight nᵢ / Σn, as flat FedAvg does (up to Float
/// rounding, since the sums are grouped differently).
public struct RegionalUpdate: Sendable, Equatable {
    public var weights: ModelWeights
    public var samples: Int
    /// Nil when no child reported an evaluation.
    public var evaluation: Evaluation?

    public init(weights: ModelWeights, samples: Int, evaluation: Evaluation?) {
        self.weights = weights
        self.samples = samples
        self.evaluation = evaluation
    }

    /// Aggregates one regional group. Throws FedAvg's errors (no updates, zero samples,
    /// mismatched tensors) and `MetricsError` when the children's confusion matrices differ in size.
    public static func combine(_ children: [(weights: ModelWeights, samples: Int, evaluation: Evaluation?)]) throws -> RegionalUpdate {
        let averaged = try FedAvg.average(children.map { (weights: $0.weights, samples: $0.samples) })
        let samples = children.reduce(0) { $0 + $1.samples }
        return RegionalUpdate(weights: averaged, samples: samples, evaluation: try sum(children.compactMap(\.evaluation)))
    }

    /// Confusion matrices summed, samples summed, loss weighted by samples; nil for none.
    public static func sum(_ evaluations: [Evaluation]) throws -> Evaluation? {
        guard let first = evaluations.first else { return nil }
        let k = first.classCount
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var samples = 0, weightedLoss = 0.0
        for e in evaluations {
            guard e.classCount == k, e.confusion.allSatisfy({ $0.count == k }) else {
                throw MetricsError.invalid("a child's confusion matrix has \(e.classCount) classes, the first one's \(k)")
            }
            for t in 0..<k { for p in 0..<k { confusion[t][p] += e.confusion[t][p] } }
            samples += e.samples
            weightedLoss += e.loss * Double(e.samples)
        }
        return Evaluation(samples: samples, loss: samples == 0 ? 0 : weightedLoss / Double(samples), confusion: confusion)
    }
}
