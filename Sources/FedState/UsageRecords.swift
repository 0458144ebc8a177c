import Foundation

/// Bytes one participant moved in one round, as the aggregator counted them: `bytesUp` its
/// update's body (participant → aggregator), `bytesDown` the global model's body it was served
/// (aggregator → participant; twice if a retried task fetched it twice).
public struct TrafficRecord: Sendable, Equatable {
    public var run: Int
    public var round: Int
    public var participant: String
    public var bytesUp: Int
    public var bytesDown: Int

    public init(run: Int, round: Int, participant: String, bytesUp: Int, bytesDown: Int) {
        self.run = run
        self.round = round
        self.participant = participant
        self.bytesUp = bytesUp
        self.bytesDown = bytesDown
    }
}

/// One stretch of the aggregator running for a run: started, and stopped (nil while it runs, or
/// when its process died without saying so).
public struct AggregatorSession: Sendable, Equatable {
    public var run: Int
    public var started: Date
    public var stopped: Date?
    /// Its address: `aggregator.main`, or `aggregator.regional.<n>` of a hierarchical run.
    public var aggregator: String

    public init(run: Int, started: Date, stopped: Date? = nil, aggregator: String = "aggregator.main") {
        self.run = run
        self.started = started
        self.stopped = stopped
        self.aggregator = aggregator
    }

    public var seconds: Double? { stopped.map { max(0, $0.timeIntervalSince(started)) } }
}

/// What the plan predicted for a run, as a JSON document (its fields are FedPlan's business).
public struct PredictionRecord: Sendable, Equatable {
    public var run: Int
    /// A JSON object (validated by the database).
    public var document: String
    public var created: Date

    public init(run: Int, document: String, created: Date) {
        self.run = run
        self.document = document
        self.created = created
    }
}

/// Reads of what runs used and what was predicted for them.
public protocol StateUsage: Sendable {
    func traffic(run: Int) throws -> [TrafficRecord]
    func aggregatorSessions(run: Int) throws -> [AggregatorSession]
    /// The regional aggregators' sessions (hierarchical runs; empty for a flat one).
    func regionalAggregatorSessions(run: Int) throws -> [AggregatorSession]
    func prediction(run: Int) throws -> PredictionRecord?
}

extension StateTransaction {
    /// Records one participant's bytes in one round (a round run again replaces them).
    @discardableResult
    public func recordTraffic(_ t: TrafficRecord) throws -> Bool {
        try recordChange(
            """
            INSERT INTO round_traffic (run, round, participant, bytes_up, bytes_down) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (run, round, participant) DO UPDATE SET bytes_up = excluded.bytes_up, bytes_down = excluded.bytes_down
            WHERE round_traffic.bytes_up IS NOT excluded.bytes_up OR round_traffic.bytes_down IS NOT excluded.bytes_down
            """,
            [.int(t.run), .int(t.round), .text(t.participant), .int(t.bytesUp), .int(t.bytesDown)])
    }

    /// The aggregator started for `run` at `started`.
    @discardableResult
    public func startAggregatorSession(run: Int, at started: Date) throws -> Bool {
        try recordChange("INSERT INTO aggregator_sessions (run, started_at) VALUES (?1, ?2) ON CONFLICT (run, started_at) DO NOTHING",
                         [.int(run), .text(Timestamp.string(started))])
    }

    /// The session that started at `started` ended at `stopped`.
    @discardableResult
    public func stopAggregatorSession(run: Int, startedAt started: Date, at stopped: Date) throws -> Bool {
        try recordChange("UPDATE aggregator_sessions SET stopped_at = ?3 WHERE run = ?1 AND started_at = ?2",
                         [.int(run), .text(Timestamp.string(started)), .text(Timestamp.string(stopped))])
    }

    /// The regional aggregator at `aggregator` started for `run` at `started`.
    @discardableResult
    public func startRegionalAggregatorSession(run: Int, aggregator: String, at started: Date) throws -> Bool {
        try recordChange(
            """
            INSERT INTO regional_aggregator_sessions (run, aggregator, started_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (run, aggregator, started_at) DO NOTHING
            """,
            [.int(run), .text(aggregator), .text(Timestamp.string(started))])
    }

    /// The regional aggregator's session that started at `started` ended at `stopped`.
    @discardableResult
    public func stopRegionalAggregatorSession(run: Int, aggregator: String, startedAt started: Date, at stopped: Date) throws -> Bool {
        try recordChange("UPDATE regional_aggregator_sessions SET stopped_at = ?4 WHERE run = ?1 AND aggregator = ?2 AND started_at = ?3",
                         [.int(run), .text(aggregator), .text(Timestamp.string(started)), .text(Timestamp.string(stopped))])
    }

    /// Records the prediction for a run once: the first start's prediction stands (a resumed run
    /// is compared with what was predicted when it began).
    @discardableResult
    public func recordPrediction(_ p: PredictionRecord) throws -> Bool {
        try recordChange("INSERT INTO run_predictions (run, prediction, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (run) DO NOTHING",
                         [.int(p.run), .text(p.document), .text(Timestamp.string(p.created))])
    }
}

extension StateQueries {
    static func traffic(_ db: any SQLConnection, run: Int) throws -> [TrafficRecord] {
        try db.rows("SELECT run, round, participant, bytes_up, bytes_down FROM round_traffic WHERE run = ?1 ORDER BY round, participant",
                    [.int(run)]) {
            TrafficRecord(run: $0.int(0), round: $0.int(1), participant: $0.text(2), bytesUp: $0.int(3), bytesDown: $0.int(4))
        }
    }

    static func aggregatorSessions(_ db: any SQLConnection, run: Int) throws -> [AggregatorSession] {
        try db.rows("SELECT run, started_at, stopped_at FROM aggregator_sessions WHERE run = ?1 ORDER BY started_at", [.int(run)]) {
            AggregatorSession(run: $0.int(0), started: Timestamp.date($0.text(1)), stopped: $0.optionalText(2).map(Timestamp.date))
        }
    }

    static func regionalAggregatorSessions(_ db: any SQLConnection, run: Int) throws -> [AggregatorSession] {
        try db.rows("SELECT run, aggregator, started_at, stopped_at FROM regional_aggregator_sessions WHERE run = ?1 ORDER BY aggregator, started_at",
                    [.int(run)]) {
            AggregatorSession(run: $0.int(0), started: Timestamp.date($0.text(2)), stopped: $0.optionalText(3).map(Timestamp.date),
                              aggregator: $0.text(1))
        }
    }

    static func prediction(_ db: any SQLConnection, run: Int) throws -> PredictionRecord? {
        try db.first("SELECT run, prediction, created_at FROM run_predictions WHERE run = ?1", [.int(run)]) {
            PredictionRecord(run: $0.int(0), document: $0.text(1), created: Timestamp.date($0.text(2)))
        }
    }
}

extension StateStore: StateUsage {
    public func traffic(run: Int) throws -> [TrafficRecord] { try withDatabase { try StateQueries.traffic($0, run: run) } }
    public func aggregatorSessions(run: Int) throws -> [AggregatorSession] {
        try withDatabase { try StateQueries.aggregatorSessions($0, run: run) }
    }
    public func regionalAggregatorSessions(run: Int) throws -> [AggregatorSession] {
        try withDatabase { try StateQueries.regionalAggregatorSessions($0, run: run) }
    }
    public func prediction(run: Int) throws -> PredictionRecord? { try withDatabase { try StateQueries.prediction($0, run: run) } }
}

extension PostgresStateStore: StateUsage {
    public func traffic(run: Int) throws -> [TrafficRecord] { try withConnection { try StateQueries.traffic($0, run: run) } }
    public func aggregatorSessions(run: Int) throws -> [AggregatorSession] {
        try withConnection { try StateQueries.aggregatorSessions($0, run: run) }
    }
    public func regionalAggregatorSessions(run: Int) throws -> [AggregatorSession] {
        try withConnection { try StateQueries.regionalAggregatorSessions($0, run: run) }
    }
    public func prediction(run: Int) throws -> PredictionRecord? { try withConnection { try StateQueries.prediction($0, run: run) } }
}

/// The measured timing of one finished run: what the planner estimates the next run's duration
/// from (`RunDurationEstimate` in FedPlan).
public struct RunTiming: Sendable, Equatable {
    public var run: Int
    /// Each committed round's wall time, in round order.
    public var roundSeconds: [Double]
    /// The aggregator's running time over the run's sessions; nil when a session is open or none
    /// was recorded (runs of fedplanes before schema 5).
    public var aggregatorSeconds: Double?
    /// From the run's start to its finish.
    public var wallSeconds: Double?

    public init(run: Int, roundSeconds: [Double], aggregatorSeconds: Double?, wallSeconds: Double?) {
        self.run = run
        self.roundSeconds = roundSeconds
        self.aggregatorSeconds = aggregatorSeconds
        self.wallSeconds = wallSeconds
    }
}

extension StateQueries {
    /// The timing of the newest succeeded run that committed rounds, if any.
    static func lastSucceededRunTiming(_ db: any SQLConnection) throws -> RunTiming? {
        guard let run = try db.first(
            """
            SELECT run, started_at, finished_at FROM runs
            WHERE status = 'succeeded' AND EXISTS (SELECT 1 FROM rounds WHERE rounds.run = runs.run)
            ORDER BY run DESC LIMIT 1
            """, [], { (number: $0.int(0), started: Timestamp.date($0.text(1)), finished: $0.optionalText(2).map(Timestamp.date)) })
        else { return nil }
        let rounds = try db.rows("SELECT duration_seconds FROM rounds WHERE run = ?1 ORDER BY round", [.int(run.number)]) { $0.double(0) }
        let sessions = try aggregatorSessions(db, run: run.number)
        let closed = sessions.compactMap(\.seconds)
        return RunTiming(run: run.number, roundSeconds: rounds,
                         aggregatorSeconds: !sessions.isEmpty && closed.count == sessions.count ? closed.reduce(0, +) : nil,
                         wallSeconds: run.finished.map { max(0, $0.timeIntervalSince(run.started)) })
    }
}
