import FedDigest
import FedHTTP
import FedPKI
import FedWeights
import Foundation

/// Everything a participant agent needs for one run, in one versioned file (the FL Initializer's
/// hand-off): the aggregator's address, the trainer and its hyperparameters, the participant's
/// identity and its data. `configHash` covers what defines the training (not addresses or VMs),
/// so changing a hyperparameter plans a new run.
public struct RunConfig: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public struct Hyperparameters: Codable, Sendable, Equatable {
        public var rounds: Int
        public var epochs: Int
        public var batchSize: Int
        public var learningRate: Double
        public var strategy: String
        public var minParticipants: Int
        public var seed: UInt64
        /// A robust rule's settings (nil for FedAvg without clipping, so FedAvg runs keep the
        /// configuration hash they had before robust rules existed).
        public var aggregation: AggregationRule?

        public init(rounds: Int, epochs: Int, batchSize: Int, learningRate: Double, strategy: String,
                    minParticipants: Int, seed: UInt64, aggregation: AggregationRule? = nil) {
            self.rounds = rounds
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.strategy = strategy
            self.minParticipants = minParticipants
            self.seed = seed
            self.aggregation = aggregation
        }
    }

    /// `builtin:logistic`, `builtin:mlp`, or an external command.
    public enum TrainerSpec: Codable, Sendable, Equatable {
        case builtin(String)
        case command([String])
    }

    public var version: Int
    public var federation: String
    public var run: Int
    public var trainer: TrainerSpec
    public var hyperparameters: Hyperparameters
    /// Participant names in spec order: a participant's index selects its share of the data.
    public var participants: [String]
    /// The built-in data set's split (the built-in trainers train on WDBC, split non-IID).
    public var dataSeed: UInt64
    /// `sha256:…` of the initial model file (`training.model.file`), or nil for the trainer's own
    /// seeded initial weights: a new initial model is a new run.
    public var initialModel: String?
    /// The participants' own data (nil: the built-in WDBC demo split, which keeps the hashes of
    /// runs made before participants could bring their data).
    public var data: ParticipantDataSpec?
    /// true: the command trainer runs persistently, one program per VM and run taking every round
    /// (`PersistentTrainer`); nil otherwise, so one-shot runs keep the configuration hash they
    /// had before the mode existed.
    public var persistentTrainer: Bool?
    /// `training.runtime: flower`: the Flower app and its run config; nil for the built-in
    /// runtime, so its runs keep the configuration hash they had before Flower runs existed.
    public var flower: FlowerIdentity?

    public init(federation: String, run: Int, trainer: TrainerSpec, hyperparameters: Hyperparameters,
                participants: [String], dataSeed: UInt64, initialModel: String? = nil, data: ParticipantDataSpec? = nil,
                persistentTrainer: Bool? = nil) {
        self.persistentTrainer = persistentTrainer == true ? true : nil
        version = Self.currentVersion
        self.federation = federation
        self.run = run
        self.trainer = trainer
        self.hyperparameters = hyperparameters
        self.participants = participants
        self.dataSeed = dataSeed
        self.initialModel = initialModel
        self.data = data
    }

    /// Digest of what defines the training: the trainer, hyperparameters, participants and data split.
    public var configHash: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        var defining = self
        defining.run = 0
        defining.federation = ""
        return "sha256:" + SHA256.hex([UInt8]((try? e.encode(defining)) ?? Data()))
    }
}

/// Participants' own data: where each participant's CSV file is on its host, and the model's
/// shape (the coordinator never sees the data, so the spec gives it).
public struct ParticipantDataSpec: Codable, Sendable, Equatable {
    /// participant → the CSV file's path on its host.
    public var paths: [String: String]
    /// participant → its label column (default `label`).
    public var labels: [String: String]
    public var classes: [String]
    public var features: Int

    public init(paths: [String: String], labels: [String: String], classes: [String], features: Int) {
        self.paths = paths
        self.labels = labels
        self.classes = classes
        self.features = features
    }
}

/// What one agent process is told: the run, where the aggregator is, who it is, the round.
/// Written to the VM's working directory (0600). It holds no secret with mutual TLS: only the
/// paths of the participant's certificate and key and of the federation CA.
public struct AgentAssignment: Codable, Sendable, Equatable {
    public var config: RunConfig
    public var aggregator: String
    /// The participant's certificate and key, and the federation CA it verifies the aggregator with.
    public var tls: ClientTLS?
    public var participant: String
    public var vm: String
    /// How long an external trainer may run (the spec's `training.retry.taskTimeout`).
    public var taskTimeoutSeconds: Double

    public init(config: RunConfig, aggregator: String, tls: ClientTLS?,
                participant: String, vm: String, taskTimeoutSeconds: Double) {
        self.config = config
        self.aggregator = aggregator
        self.tls = tls
        self.participant = participant
        self.vm = vm
        self.taskTimeoutSeconds = taskTimeoutSeconds
    }

    public var participantIndex: Int? { config.participants.firstIndex(of: participant) }
}

/// How the aggregator process is started for a run, in one 0600 file of the run's directory:
/// the run's participants (only they may contribute) and where its credentials are.
public struct AggregatorLaunch: Codable, Sendable, Equatable {
    public var federation: String
    public var run: Int
    public var participants: [String]
    /// The aggregator's server certificate, key and the federation CA (mutual TLS).
    public var tls: ServerTLS?
    /// The client certificates admitted: `coordinator` or `participant:<name>` → fingerprint.
    public var clients: [String: String]?
    /// How updates combine (nil: FedAvg).
    public var aggregation: AggregationRule?
    /// A regional aggregator's parent (hierarchical topology): each closed round goes there.
    public var parent: ParentLink?

    public init(federation: String, run: Int, participants: [String], tls: ServerTLS? = nil, clients: [String: String]? = nil) {
        self.federation = federation
        self.run = run
        self.participants = participants
        self.tls = tls
        self.clients = clients
    }

    public static func read(_ path: String) throws -> AggregatorLaunch {
        try JSONDecoder().decode(AggregatorLaunch.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes the file readable by its owner only.
    public func write(to path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try SecureFiles.writePrivate(Data(try e.encode(self)), to: URL(fileURLWithPath: path))
    }
}

/// A robust aggregation rule for the aggregator (off by default: FedAvg). `median` and
/// `trimmed-mean` combine per coordinate, one vote per participant; `clipNorm` first bounds the
/// L2 norm of each update's change from the global model. They limit what one finite but
/// harmful update can do; they do not detect it.
public struct AggregationRule: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable { case fedavg, median, trimmedMean = "trimmed-mean" }
    public var method: Method
    /// The fraction dropped at each end per coordinate (trimmed-mean), in [0, 0.5).
    public var trim: Double?
    public var clipNorm: Double?

    public init(method: Method, trim: Double? = nil, clipNorm: Double? = nil) {
        self.method = method
        self.trim = trim
        self.clipNorm = clipNorm
    }

    /// How rounds record the rule: `fedavg`, `median`, `trimmed-mean 0.1`, each with `, clip 5` when clipping.
    public var label: String {
        var out = method.rawValue
        if method == .trimmedMean { out += " \(trim ?? 0.1)" }
        if let c = clipNorm { out += ", clip \(c)" }
        return out
    }

    public var aggregation: AggregatorState.Aggregation {
        let rule = self
        return { updates, global in
            var updates = updates
            if let c = rule.clipNorm {
                updates = try updates.map { (weights: try RobustAggregation.clipped($0.weights, global: global, maxNorm: c), samples: $0.samples) }
            }
            switch rule.method {
            case .fedavg: return try FedAvg.average(updates)
            case .median: return try RobustAggregation.median(updates.map(\.weights))
            case .trimmedMean: return try RobustAggregation.trimmedMean(updates.map(\.weights), trim: rule.trim ?? 0.1)
            }
        }
    }
}
