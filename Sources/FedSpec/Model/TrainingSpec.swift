public struct TrainingSpec: Sendable {
    public var model: ModelFile
    public var trainer: Trainer
    public var strategy: Strategy
    public var rounds: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var minParticipants: Int
    public var minParticipantsMark: SourceMark?
    public var retry: RetryPolicy
    /// How long the aggregator waits for updates in one round.
    public var roundDeadline: TimeSpan
    /// `trimmed-mean`: the fraction of values dropped at each end, per coordinate.
    public var trim: Double?
    /// Bounds the L2 norm of each update's change from the global model before aggregation.
    public var clipNorm: Double?
    /// With participants' own data (`data.path`): the label values in order (label k is
    /// `classes[k]`) and the number of feature columns. The built-in demo data knows its own.
    public var classes: [String]?
    public var features: Int?
    /// `trainer: { command: [...], persistent: true }`: the program starts once per run on each
    /// VM and takes the rounds over a line protocol (examples/numpy-trainer/README.md).
    public var persistentTrainer = false

    public struct ModelFile: Sendable, Hashable {
        public var file: String?
        public var size: ByteSize?
    }

    public enum Trainer: Sendable, Hashable {
        case builtin(BuiltinTrainer)
        case command([String])
    }

    public enum BuiltinTrainer: String, Sendable, CaseIterable {
        case logistic, mlp
    }

    /// How the aggregator combines updates: FedAvg (weighted by samples), or a robust rule
    /// that limits what one finite but harmful update can do (one vote per participant).
    public enum Strategy: String, Sendable, CaseIterable {
        case fedavg, median
        case trimmedMean = "trimmed-mean"
    }
}

public struct RetryPolicy: Sendable, Hashable {
    /// Attempts per round per participant, each on the next eligible VM.
    public var attempts: Int
    /// How long one task may run on a VM before it counts as failed.
    public var taskTimeout: TimeSpan
}

public struct ModelsSpec: Sendable {
    public var select: ModelSelection
}

public struct ModelSelection: Sendable, Hashable {
    public enum Metric: String, Sendable, CaseIterable {
        case accuracy, loss, precision, recall, f1
    }
    public enum Goal: String, Sendable, CaseIterable {
        case max, min
    }
    public struct Constraint: Sendable, Hashable {
        public var metric: Metric
        public var op: String
        public var value: Double
    }

    public var metric: Metric
    public var goal: Goal
    public var constraints: [Constraint]
}
