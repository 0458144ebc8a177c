import FedWeights
import Foundation

/// A model family that can be trained locally by a participant. The built-in ones are
/// `LogisticRegressionTrainer` (`logistic`) and `MLPTrainer` (`mlp`); an external program
/// is driven by `ExternalCommandTrainer` instead (it does a whole round in one run).
///
/// Weights are `ModelWeights` with fixed tensor names and shapes (see each trainer's `layout`),
/// in float32, so FedAvg can average them tensor by tensor.
public protocol Trainer: Sendable {
    /// The spec's name for it (`training.trainer.builtin`).
    var name: String { get }
    var featureCount: Int { get }
    var classCount: Int { get }
    /// Tensor names and shapes, in order.
    var layout: [(name: String, shape: [Int])] { get }

    /// The initial global model; the same seed gives the same weights.
    func initialWeights(seed: UInt64) -> ModelWeights

    /// Minibatch SGD on the mean cross-entropy: `epochs` passes over `data`, each in an order
    /// shuffled by `seed`, batches of `batchSize` (the last one may be smaller), each step
    /// `w -= learningRate × mean gradient of the batch`. Deterministic for the same inputs.
    /// The result keeps `weights`' metadata.
    func train(_ weights: ModelWeights, on data: Dataset, epochs: Int, batchSize: Int,
               learningRate: Double, seed: UInt64) throws -> ModelWeights

    /// Loss (mean cross-entropy) and confusion matrix; the prediction is the arg-max class
    /// (ties to the lower class index).
    func evaluate(_ weights: ModelWeights, on data: Dataset) throws -> Evaluation
}

/// The built-in trainers, by their spec names.
public enum BuiltinTrainerKind: String, Sendable, CaseIterable {
    case logistic, mlp

    /// The trainer for data with `features` features and `classes` classes.
    public func make(features: Int, classes: Int) -> any Trainer {
        switch self {
        case .logistic: return LogisticRegressionTrainer(features: features, classes: classes)
        case .mlp: return MLPTrainer(features: features, classes: classes)
        }
    }

    public func make(for data: Dataset) -> any Trainer {
        make(features: data.featureCount, classes: data.classCount)
    }
}

/// What one participant's task in one round is told (the same values an external trainer gets
/// as `FEDPLANE_*` variables).
public struct RoundContext: Sendable, Equatable {
    /// 1-based round number.
    public var round: Int
    /// The participant's name in the spec.
    public var participant: String
    /// 0-based position of the participant in the spec's `participants` list.
    public var participantIndex: Int
    public var participants: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// The seed for this task's minibatch order: `RoundContext.taskSeed(runSeed:round:participantIndex:)`.
    public var seed: UInt64
    /// Where the participant's `train.csv` / `validation.csv` are, when the runtime wrote them.
    public var dataDirectory: URL?

    public init(round: Int, participant: String, participantIndex: Int, participants: Int, epochs: Int,
                batchSize: Int, learningRate: Double, seed: UInt64, dataDirectory: URL? = nil) {
        self.round = round
        self.participant = participant
        self.participantIndex = participantIndex
        self.participants = participants
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.dataDirectory = dataDirectory
    }

    /// A per-task seed from the run's seed, so each round and participant shuffles differently
    /// and the whole run is still reproducible.
    public static func taskSeed(runSeed: UInt64, round: Int, participantIndex: Int) -> UInt64 {
        SeededGenerator.derive(runSeed, 0x7A5C, round, participantIndex)
    }
}

/// A participant's result for one round: its updated weights, the evaluation of the round's
/// *global* model (the one it started from) on its validation split, and how many samples it
/// trained on (FedAvg's weight).
public struct LocalUpdate: Sendable, Equatable {
    public var weights: ModelWeights
    public var evaluation: Evaluation
    public var trainSamples: Int

    public init(weights: ModelWeights, evaluation: Evaluation, trainSamples: Int) {
        self.weights = weights
        self.evaluation = evaluation
        self.trainSamples = trainSamples
    }
}

extension Trainer {
    /// One round for a participant with a built-in trainer: evaluate `global` on the validation
    /// split, then train it on the training split with the context's settings and seed.
    public func runRound(global: ModelWeights, data: ParticipantData, context: RoundContext) throws -> LocalUpdate {
        let evaluation = try evaluate(global, on: data.validation)
        let updated = try train(global, on: data.train, epochs: context.epochs, batchSize: context.batchSize,
                                learningRate: context.learningRate, seed: context.seed)
        return LocalUpdate(weights: updated, evaluation: evaluation, trainSamples: data.train.count)
    }

    /// Throws unless `weights` has exactly `layout`'s tensors (any order) with finite values.
    public func checkWeights(_ weights: ModelWeights) throws {
        _ = try flatParameters(weights)
    }

    /// The tensors of `layout`, concatenated in layout order.
    func flatParameters(_ weights: ModelWeights) throws -> [Float] {
        var flat = [Float]()
        flat.reserveCapacity(layout.reduce(0) { $0 + $1.shape.reduce(1, *) })
        let expected = Set(layout.map(\.name))
        if let extra = weights.tensors.first(where: { !expected.contains($0.name) }) {
            throw TrainerError.weights("unexpected tensor \(extra.name) for the \(name) model")
        }
        for (n, shape) in layout {
            guard let t = weights[n] else { throw TrainerError.weights("missing tensor \(n) for the \(name) model") }
            guard t.shape == shape else {
                throw TrainerError.weights("tensor \(n) has shape \(t.shape), the \(name) model needs \(shape)")
            }
            guard t.values.allSatisfy(\.isFinite) else { throw TrainerError.weights("tensor \(n) has a non-finite value") }
            flat.append(contentsOf: t.values)
        }
        return flat
    }

    func weights(fromFlat flat: [Float], metadata: [String: String]) -> ModelWeights {
        var offset = 0
        var tensors: [(name: String, tensor: Tensor)] = []
        for (n, shape) in layout {
            let c = shape.reduce(1, *)
            tensors.append((n, Tensor(shape: shape, values: Array(flat[offset ..< offset + c]))))
            offset += c
        }
        return ModelWeights(tensors: tensors, metadata: metadata)
    }

    func checkData(_ data: Dataset) throws {
        guard data.featureCount == featureCount, data.classCount == classCount else {
            throw TrainerError.data("the data has \(data.featureCount) features and \(data.classCount) classes; the \(name) model takes \(featureCount) and \(classCount)")
        }
    }
}

public enum TrainerError: Error, Equatable, CustomStringConvertible {
    case weights(String)
    case data(String)
    case settings(String)
    case diverged(String)

    public var description: String {
        switch self {
        case .weights(let m): return "weights: \(m)"
        case .data(let m): return "training data: \(m)"
        case .settings(let m): return "training settings: \(m)"
        case .diverged(let m): return "training diverged: \(m)"
        }
    }
}

// MARK: - The shared SGD loop for the built-in models

/// A classifier whose parameters live in one flat float32 buffer (the layout's tensors
/// concatenated), with a forward pass to logits and a backward pass from the logits' gradient.
protocol FlatClassifier: Trainer {
    /// Floats of per-sample scratch space the forward pass fills and the backward pass reads.
    var scratchCount: Int { get }
    /// Writes the `classCount` logits of sample `x`; may keep activations in `scratch`.
    func forward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, logits: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>)
    /// Adds the gradient of the loss w.r.t. the parameters to `g`, given the gradient w.r.t. the
    /// logits `dz` and the scratch the forward pass of the same sample left.
    func backward(_ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, dz: UnsafePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>)
}

extension FlatClassifier {
    public func train(_ weights: ModelWeights, on data: Dataset, epochs: Int, batchSize: Int,
                      learningRate: Double, seed: UInt64) throws -> ModelWeights {
        try checkData(data)
        guard epochs >= 0 else { throw TrainerError.settings("epochs must be ≥ 0, not \(epochs)") }
        guard batchSize >= 1 else { throw TrainerError.settings("batchSize must be ≥ 1, not \(batchSize)") }
        guard learningRate > 0, Float(learningRate).isFinite else { throw TrainerError.settings("learningRate must be > 0, not \(learningRate)") }
        var params = try flatParameters(weights)
        let n = data.count, d = featureCount, k = classCount
        guard n > 0, epochs > 0 else { return weights }
        var rng = SeededGenerator(seed: seed)
        var order = Array(0..<n)
        var grad = [Float](repeating: 0, count: params.count)
        var logits = [Float](repeating: 0, count: k)
        var scratch = [Float](repeating: 0, count: max(1, scratchCount))
        let lr = Float(learningRate)
        try data.features.withUnsafeBufferPointer { xs in
            for _ in 0..<epochs {
                rng.shuffle(&order)
                var start = 0
                while start < n {
                    let end = min(n, start + batchSize)
                    for i in grad.indices { grad[i] = 0 }
                    params.withUnsafeBufferPointer { p in
                        grad.withUnsafeMutableBufferPointer { g in
                            logits.withUnsafeMutableBufferPointer { z in
                                scratch.withUnsafeMutableBufferPointer { s in
                                    for b in start..<end {
                                        let row = order[b]
                                        let x = xs.baseAddress! + row * d
                                        forward(p.baseAddress!, x, logits: z.baseAddress!, scratch: s.baseAddress!)
                                        softmaxInPlace(z.baseAddress!, k)
                                        z[data.labels[row]] -= 1  // d(cross-entropy)/d(logits) = softmax - one-hot
                                        backward(p.baseAddress!, x, dz: z.baseAddress!, scratch: s.baseAddress!, gradient: g.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                    let step = lr / Float(end - start)
                    for i in params.indices { params[i] -= step * grad[i] }
                    start = end
                }
                if !params.allSatisfy(\.isFinite) {
                    throw TrainerError.diverged("a parameter became non-finite; lower the learning rate (\(learningRate))")
                }
            }
        }
        return self.weights(fromFlat: params, metadata: weights.metadata)
    }

    public func evaluate(_ weights: ModelWeights, on data: Dataset) throws -> Evaluation {
        try checkData(data)
        let params = try flatParameters(weights)
        let n = data.count, d = featureCount, k = classCount
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var totalLoss = 0.0
        var logits = [Float](repeating: 0, count: k)
        var scratch = [Float](repeating: 0, count: max(1, scratchCount))
        data.features.withUnsafeBufferPointer { xs in
            params.withUnsafeBufferPointer { p in
                logits.withUnsafeMutableBufferPointer { z in
                    scratch.withUnsafeMutableBufferPointer { s in
                        for row in 0..<n {
                            forward(p.baseAddress!, xs.baseAddress! + row * d, logits: z.baseAddress!, scratch: s.baseAddress!)
                            let y = data.labels[row]
                            var best = 0
                            for c in 1..<k where z[c] > z[best] { best = c }
                            confusion[y][best] += 1
                            totalLoss += logSumExp(z.baseAddress!, k) - Double(z[y])
                        }
                    }
                }
            }
        }
        return Evaluation(samples: n, loss: n == 0 ? 0 : totalLoss / Double(n), confusion: confusion)
    }
}

/// Stable softmax, in place.
@inline(__always)
func softmaxInPlace(_ z: UnsafeMutablePointer<Float>, _ k: Int) {
    var m = z[0]
    for c in 1..<k where z[c] > m { m = z[c] }
    var sum: Float = 0
    for c in 0..<k { z[c] = expf(z[c] - m); sum += z[c] }
    for c in 0..<k { z[c] /= sum }
}

/// log Σ exp(z), computed stably in double.
@inline(__always)
func logSumExp(_ z: UnsafePointer<Float>, _ k: Int) -> Double {
    var m = z[0]
    for c in 1..<k where z[c] > m { m = z[c] }
    var sum = 0.0
    for c in 0..<k { sum += exp(Double(z[c] - m)) }
    return Double(m) + log(sum)
}

/// Uniform in [-limit, limit), from the seeded generator.
func uniformValues(_ count: Int, limit: Float, rng: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float((rng.nextUniform() * 2 - 1) * Double(limit)) }
}
