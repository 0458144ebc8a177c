import FedWeights

/// A multilayer perceptron with one hidden layer:
/// `h = ReLU(W1 x + b1)`, `logits = W2 h + b2`, softmax, cross-entropy.
/// Tensors: `fc1.weight` [hidden, features], `fc1.bias` [hidden], `fc2.weight` [classes, hidden],
/// `fc2.bias` [classes].
/// Initial weights from the seeded generator: `fc1.weight` He-uniform (limit √(6 / features), for
/// ReLU), `fc2.weight` Glorot-uniform (limit √(6 / (hidden + classes))), biases 0.
public struct MLPTrainer: FlatClassifier {
    public static let name = "mlp"
    public static let defaultHidden = 16
    public let featureCount: Int
    public let classCount: Int
    public let hidden: Int

    public init(features: Int, classes: Int, hidden: Int = MLPTrainer.defaultHidden) {
        precondition(features >= 1 && classes >= 2 && hidden >= 1, "an MLP needs ≥ 1 feature, ≥ 2 classes, ≥ 1 hidden unit")
        featureCount = features
        classCount = classes
        self.hidden = hidden
    }

    public var name: String { Self.name }

    public var layout: [(name: String, shape: [Int])] {
        [("fc1.weight", [hidden, featureCount]), ("fc1.bias", [hidden]),
         ("fc2.weight", [classCount, hidden]), ("fc2.bias", [classCount])]
    }

    public func initialWeights(seed: UInt64) -> ModelWeights {
        var rng = SeededGenerator(seed: seed)
        let w1 = uniformValues(hidden * featureCount, limit: (6 / Float(featureCount)).squareRoot(), rng: &rng)
        let w2 = uniformValues(classCount * hidden, limit: (6 / Float(hidden + classCount)).squareRoot(), rng: &rng)
        let flat = w1 + [Float](repeating: 0, count: hidden) + w2 + [Float](repeating: 0, count: classCount)
        return weights(fromFlat: flat, metadata: [:])
    }

    // Offsets in the flat buffer.
    private var b1Offset: Int { hidden * featureCount }
    private var w2Offset: Int { b1Offset + hidden }
    private var b2Offset: Int { w2Offset + classCount * hidden }

    /// scratch[0..<hidden] = h (after ReLU), scratch[hidden..<2·hidden] = dh.
    var scratchCount: Int { 2 * hidden }

    func forward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, logits: UnsafeMutablePointer<Float>,
                 scratch h: UnsafeMutablePointer<Float>) {
        let d = featureCount
        let b1 = p + b1Offset, w2 = p + w2Offset, b2 = p + b2Offset
        for u in 0..<hidden {
            let w = p + u * d
            var s = b1[u]
            for j in 0..<d { s += w[j] * x[j] }
            h[u] = s > 0 ? s : 0
        }
        for c in 0..<classCount {
            let w = w2 + c * hidden
            var s = b2[c]
            for u in 0..<hidden { s += w[u] * h[u] }
            logits[c] = s
        }
    }

    func backward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, dz: UnsafePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>) {
        let d = featureCount
        let h = scratch, dh = scratch + hidden
        let w2 = p + w2Offset
        let gb1 = g + b1Offset, gw2 = g + w2Offset, gb2 = g + b2Offset
        for u in 0..<hidden { dh[u] = 0 }
        for c in 0..<classCount {
            let e = dz[c], w = w2 + c * hidden, gw = gw2 + c * hidden
            for u in 0..<hidden {
                gw[u] += e * h[u]
                dh[u] += e * w[u]
            }
            gb2[c] += e
        }
        for u in 0..<hidden where h[u] > 0 {
            let e = dh[u], gw = g + u * d
            for j in 0..<d { gw[j] += e * x[j] }
            gb1[u] += e
        }
    }
}
