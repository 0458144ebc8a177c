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
    /// Who runs the rounds: fedplane's own aggregator and agents, or a Flower app (a SuperLink
    /// where the aggregator is placed, a SuperNode on each participant's VM).
    public var runtime: Runtime = .builtin
    /// `training.flower`, with `runtime: flower` only.
    public var flower: FlowerSpec?

    public enum Runtime: String, Sendable, CaseIterable {
        case builtin, flower
    }

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

/// `training.flower`: the user's Flower app and how to run it.
public struct FlowerSpec: Sendable, Hashable {
    /// The app directory (with its pyproject.toml) as written in the spec; relative to the spec.
    public var app: String
    public var appMark: SourceMark?
    /// The SuperLink connection name fedplane writes to $FLWR_HOME/config.toml and runs against.
    public var federation: String
    /// Run-config overrides passed to `flwr run --run-config`, in spec order.
    public var runConfig: [RunConfigEntry]
    /// The Python interpreter with flwr (and the app's dependencies) on every host, or a venv
    /// directory; a bare name is looked up on the host's PATH.
    public var python: String

    public static let defaultFederation = "fedplane"
    public static let defaultPython = "python3"
    /// The one Flower version fedplane drives (1.42 moved ports and connection settings).
    public static let flwrVersion = "1.42.0"

    public struct RunConfigEntry: Sendable, Hashable {
        public var key: String
        public var value: Value
        public init(key: String, value: Value) {
            self.key = key
            self.value = value
        }
    }

    public enum Value: Sendable, Hashable {
        case string(String), integer(Int), number(Double), bool(Bool)
    }

    public init(app: String, appMark: SourceMark? = nil, federation: String = defaultFederation, runConfig: [RunConfigEntry] = [],
                python: String = defaultPython) {
        self.app = app
        self.appMark = appMark
        self.federation = federation
        self.runConfig = runConfig
        self.python = python
    }
}
