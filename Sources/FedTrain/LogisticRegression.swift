import FedWeights

/// Multinomial logistic regression: `logits = W x + b`, softmax, cross-entropy.
/// Tensors: `linear.weight` [classes, features], `linear.bias` [classes].
/// Initial weights: Glorot-uniform, limit √(6 / (features + classes)), from the seeded generator;
/// bias 0.
public struct LogisticRegressionTrainer: FlatClassifier {
    public static let name = "logistic"
    public let featureCount: Int
    public let classCount: Int

    public init(features: Int, classes: Int) {
        precondition(features >= 1 && classes >= 2, "a classifier needs ≥ 1 feature and ≥ 2 classes")
        featureCount = features
        classCount = classes
    }

    public var name: String { Self.name }

    public var layout: [(name: String, shape: [Int])] {
        [("linear.weight", [classCount, featureCount]), ("linear.bias", [classCount])]
    }

    public func initialWeights(seed: UInt64) -> ModelWeights {
        var rng = SeededGenerator(seed: seed)
        let limit = (6 / Float(featureCount + classCount)).squareRoot()
        let w = uniformValues(classCount * featureCount, limit: limit, rng: &rng)
        return weights(fromFlat: w + [Float](repeating: 0, count: classCount), metadata: [:])
    }

    var scratchCount: Int { 0 }

    func forward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, logits: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>) {
        let d = featureCount, b = p + classCount * d
        for c in 0..<classCount {
            let w = p + c * d
            var s = b[c]
            for j in 0..<d { s += w[j] * x[j] }
            logits[c] = s
        }
    }

    func backward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, dz: UnsafePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>) {
        let d = featureCount, gb = g + classCount * d
        for c in 0..<classCount {
            let gw = g + c * d, e = dz[c]
            for j in 0..<d { gw[j] += e * x[j] }
            gb[c] += e
        }
    }
}
