import FedPostgresTestSupport
import Foundation
import Testing

@testable import FedState
import FedTestSupport

/// Schema 5: what runs used (bytes per participant per round, the aggregator's sessions) and what
/// was predicted for them, on both backends, and the migration of states written at schema 4.
@Suite struct UsageRecordTests {
    /// Records a finished run with two rounds, traffic and two aggregator sessions (a resume).
    static func recordRun(_ store: any StateBackend) throws {
        try store.write { tx in
            try tx.recordRun(RunRecord(run: 1, configHash: "c", status: .running, started: fixedDate))
            try tx.startAggregatorSession(run: 1, at: fixedDate)
            try tx.stopAggregatorSession(run: 1, startedAt: fixedDate, at: fixedDate.addingTimeInterval(10))
            try tx.startAggregatorSession(run: 1, at: fixedDate.addingTimeInterval(20))
            try tx.stopAggregatorSession(run: 1, startedAt: fixedDate.addingTimeInterval(20), at: fixedDate.addingTimeInterval(25.5))
            for r in 1...2 {
                try tx.recordRound(RoundRecord(run: 1, round: r, participants: 2, loss: nil, accuracy: nil, precision: nil, recall: nil,
                                               f1: nil, durationSeconds: Double(r) * 2, committed: fixedDate))
                try tx.recordTraffic(TrafficRecord(run: 1, round: r, participant: "a", bytesUp: 100, bytesDown: 120))
                try tx.recordTraffic(TrafficRecord(run: 1, round: r, participant: "b", bytesUp: 101, bytesDown: 120))
            }
            // The final evaluation pass: downloads only, numbered after the last round.
            try tx.recordTraffic(TrafficRecord(run: 1, round: 3, participant: "a", bytesUp: 0, bytesDown: 120))
            try tx.recordPrediction(PredictionRecord(run: 1, document: #"{"duration":{"seconds":120}}"#, created: fixedDate))
            try tx.recordRun(RunRecord(run: 1, configHash: "c", status: .succeeded, started: fixedDate, finished: fixedDate.addingTimeInterval(26)))
        }
    }

    static func checkRecorded(_ store: any StateBackend) throws {
        let traffic = try store.traffic(run: 1)
        #expect(traffic.count == 5)
        #expect(traffic.first == TrafficRecord(run: 1, round: 1, participant: "a", bytesUp: 100, bytesDown: 120))
        #expect(traffic.last == TrafficRecord(run: 1, round: 3, participant: "a", bytesUp: 0, bytesDown: 120))
        let sessions = try store.aggregatorSessions(run: 1)
        #expect(sessions.compactMap(\.seconds) == [10, 5.5])
        // A prediction is written once: the first start's stands.
        let again = try store.write { tx in try tx.recordPrediction(PredictionRecord(run: 1, document: #"{"other":1}"#, created: fixedDate)) }
        #expect(again == false)
        #expect(try store.prediction(run: 1)?.document.contains("120") == true)
        let timing = try #require(try store.snapshot().measuredRun)
        #expect(timing == RunTiming(run: 1, roundSeconds: [2, 4], aggregatorSeconds: 15.5, wallSeconds: 26))
    }

    @Test func sqliteRecordsUsage() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore.open(path: dir.path("s.db"), federation: "fed", create: true, clock: { fixedDate })
            #expect(try store.snapshot().measuredRun == nil)
            try Self.recordRun(store)
            try Self.checkRecorded(store)
            // Bytes are never negative, and traffic needs its run.
            #expect(throws: (any Error).self) {
                try store.write { try $0.recordTraffic(TrafficRecord(run: 1, round: 1, participant: "c", bytesUp: -1, bytesDown: 0)) }
            }
            #expect(throws: (any Error).self) {
                try store.write { try $0.recordTraffic(TrafficRecord(run: 9, round: 1, participant: "c", bytesUp: 1, bytesDown: 0)) }
            }
        }
    }

    @Test func postgresRecordsUsage() async throws { try await offPool { try Self().postgresRecordsUsageBody() } }
    func postgresRecordsUsageBody() throws {
        let url = try #require(PostgresURL(try PostgresServer.shared().createDatabase()))
        let store = try PostgresStateStore.open(url: url, federation: "fed", create: true, clock: { fixedDate })
        defer { store.close() }
        try Self.recordRun(store)
        try Self.checkRecorded(store)
    }

    /// A state written at schema 4 (the previous fedplane) with a finished run: it opens at
    /// schema 5, keeps its history, and its run (with no sessions) is timed by its wall time.
    @Test func version4SQLiteStateMigrates() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("old.db")
            do {
                let db = try Database(path: path, mode: .readWriteCreate)
                for m in Schema.migrations where m.version <= 4 { try db.execute(m.sql) }
                try db.execute(Self.version4Rows)
            }
            let store = try StateStore.open(path: path, federation: "fed", create: false)
            #expect(try store.serial() == 3)
            let timing = try #require(try store.snapshot().measuredRun)
            #expect(timing == RunTiming(run: 1, roundSeconds: [1.5, 2.5], aggregatorSeconds: nil, wallSeconds: 10))
            #expect(try store.traffic(run: 1).isEmpty && store.aggregatorSessions(run: 1).isEmpty)
            try Self.recordRun2(store)
            store.close()
            let db = try Database(path: path)
            #expect(try db.queryOne("SELECT schema_version FROM meta") { $0.int(0) } == Schema.currentVersion)
        }
    }

    @Test func version4PostgresStateMigrates() async throws { try await offPool { try Self().version4PostgresStateMigratesBody() } }
    func version4PostgresStateMigratesBody() throws {
        let server = try PostgresServer.shared()
        let urlText = try server.createDatabase()
        let url = try #require(PostgresURL(urlText))
        let database = String(urlText.split(separator: "/").last!.split(separator: "?").first!)
        let schema = "fedplane_fed"
        _ = try server.psql("SET ROLE fedplane; CREATE SCHEMA \(schema); SET search_path TO \(schema);\n\(PostgresSchema.tables)\n\(Self.version4Rows)", database: database)
        let store = try PostgresStateStore.open(url: url, federation: "fed", create: false)
        defer { store.close() }
        #expect(try store.serial() == 3)
        #expect(try store.snapshot().measuredRun == RunTiming(run: 1, roundSeconds: [1.5, 2.5], aggregatorSeconds: nil, wallSeconds: 10))
        try Self.recordRun2(store)
        let version = try server.psql("SELECT schema_version FROM \(schema).meta", database: database)
        #expect(version.trimmingCharacters(in: .whitespacesAndNewlines) == "\(Schema.currentVersion)")
        // Opening again does not migrate again.
        let again = try PostgresStateStore.open(url: url, federation: "fed", create: false)
        again.close()
    }

    /// A schema-4 state's rows: identity, one succeeded run of two rounds.
    static let version4Rows = """
        INSERT INTO meta (id, schema_version, lineage, serial, federation, created_at)
            VALUES (1, 4, '6f1c2a52-4c5e-4f39-9a51-3f0f7f5f3e01', 3, 'fed', '2024-01-02T03:04:05.000Z');
        INSERT INTO runs VALUES (1, 'c', 'succeeded', '2024-01-02T03:04:05.000Z', '2024-01-02T03:04:15.000Z');
        INSERT INTO rounds (run, round, participants, duration_seconds, committed_at) VALUES (1, 1, 2, 1.5, '2024-01-02T03:04:07.000Z');
        INSERT INTO rounds (run, round, participants, duration_seconds, committed_at) VALUES (1, 2, 2, 2.5, '2024-01-02T03:04:10.000Z');
        """

    /// The new tables work on the migrated state.
    static func recordRun2(_ store: any StateBackend) throws {
        try store.write { tx in
            try tx.recordRun(RunRecord(run: 2, configHash: "c", status: .running, started: fixedDate))
            try tx.startAggregatorSession(run: 2, at: fixedDate)
            try tx.recordTraffic(TrafficRecord(run: 2, round: 1, participant: "a", bytesUp: 1, bytesDown: 2))
            try tx.recordPrediction(PredictionRecord(run: 2, document: "{}", created: fixedDate))
        }
        #expect(try store.traffic(run: 2).count == 1)
        #expect(try store.aggregatorSessions(run: 2).map(\.stopped) == [nil])
    }
}
