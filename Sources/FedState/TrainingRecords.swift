import Foundation

/// One training run (FedRuntime fills these; FedState only stores them).
public struct RunRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case running, succeeded, failed, cancelled }

    public var run: Int
    public var configHash: String
    public var status: Status
    public var started: Date
    public var finished: Date?

    public init(run: Int, configHash: String, status: Status, started: Date, finished: Date? = nil) {
        self.run = run
        self.configHash = configHash
        self.status = status
        self.started = started
        self.finished = finished
    }
}

/// The metrics of one aggregated round.
public struct RoundRecord: Sendable, Equatable {
    public var run: Int
    public var round: Int
    /// How many participants contributed to this round's aggregate.
    public var participants: Int
    public var loss: Double?
    public var accuracy: Double?
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    public var durationSeconds: Double
    public var committed: Date
    /// How the round's updates were combined: `fedavg`, `median`, `trimmed-mean 0.1`, `…, clip 5`.
    public var aggregation: String

    public init(
        run: Int, round: Int, participants: Int, loss: Double?, accuracy: Double?,
        precision: Double?, recall: Double?, f1: Double?, durationSeconds: Double, committed: Date,
        aggregation: String = "fedavg"
    ) {
        self.run = run
        self.round = round
        self.participants = participants
        self.loss = loss
        self.accuracy = accuracy
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.durationSeconds = durationSeconds
        self.committed = committed
        self.aggregation = aggregation
    }
}

/// A global model, content-addressed by the SHA-256 (lowercase hex) of its weights file.
public struct ModelRecord: Sendable, Equatable {
    public var id: String
    public var run: Int
    public var round: Int
    public var configHash: String
    public var sizeBytes: Int
    /// JSON object of metrics (validated by SQLite).
    public var metrics: String
    public var created: Date

    public init(
        id: String, run: Int, round: Int, configHash: String, sizeBytes: Int, metrics: String,
        created: Date
    ) {
        self.id = id
        self.run = run
        self.round = round
        self.configHash = configHash
        self.sizeBytes = sizeBytes
        self.metrics = metrics
        self.created = created
    }
}
