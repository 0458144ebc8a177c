import Foundation

/// The state's reads, written once for every backend (the SQL is portable; see `SQLConnection`).
/// Callers run them inside the backend's read transaction where they need one consistent view.
enum StateQueries {
    static func snapshot(_ db: any SQLConnection, location: String) throws -> StateSnapshot {
        let meta = try db.first("SELECT lineage, serial, federation FROM meta WHERE id = 1") {
            (lineage: $0.text(0), serial: $0.int(1), federation: $0.text(2))
        }
        guard let meta else { throw StateStoreError.notAState(path: location) }
        let resources = try db.rows(
            """
            SELECT address, type, provider, provider_id, attributes, inputs_hash, created_at, updated_at
            FROM resources ORDER BY address
            """
        ) {
            Resource(
                address: $0.text(0), type: $0.text(1), provider: $0.text(2), providerID: $0.optionalText(3),
                attributes: $0.text(4), inputsHash: $0.text(5), created: Timestamp.date($0.text(6)),
                updated: Timestamp.date($0.text(7)))
        }
        let assignments = try db.rows("SELECT participant, vm_id, reason, updated_at FROM assignments ORDER BY participant") {
            Assignment(participant: $0.text(0), vmID: $0.text(1), reason: $0.text(2), updated: Timestamp.date($0.text(3)))
        }
        let pairs = try db.rows("SELECT participant, cursor FROM queue_cursors") { ($0.text(0), $0.int(1)) }
        var snapshot = StateSnapshot(
            lineage: meta.lineage, serial: meta.serial, federation: meta.federation,
            resources: resources, assignments: assignments,
            cursors: Dictionary(pairs, uniquingKeysWith: { first, _ in first }),
            lastRun: try db.first("SELECT COALESCE(MAX(run), 0) FROM runs") { $0.int(0) } ?? 0)
        snapshot.measuredRun = try lastSucceededRunTiming(db)
        return snapshot
    }

    static func serial(_ db: any SQLConnection) throws -> Int {
        try db.first("SELECT serial FROM meta WHERE id = 1") { $0.int(0) } ?? 0
    }

    private static let journalColumns = """
        SELECT apply_id, step, address, action, status, started_at, finished_at, error FROM apply_journal
        """

    private static func journalEntry(_ row: any SQLRow) -> JournalEntry {
        JournalEntry(
            applyID: row.text(0), step: row.int(1), address: row.text(2), action: row.text(3),
            status: JournalStatus(rawValue: row.text(4)) ?? .started, started: Timestamp.date(row.text(5)),
            finished: row.optionalText(6).map(Timestamp.date), error: row.optionalText(7))
    }

    static func journal(_ db: any SQLConnection, applyID: String) throws -> [JournalEntry] {
        try db.rows("\(journalColumns) WHERE apply_id = ?1 ORDER BY step", [.text(applyID)], journalEntry)
    }

    static func unfinishedJournalSteps(_ db: any SQLConnection) throws -> [JournalEntry] {
        try db.rows("\(journalColumns) WHERE status = 'started' ORDER BY started_at, apply_id, step", journalEntry)
    }

    static func runs(_ db: any SQLConnection) throws -> [RunRecord] {
        try db.rows("SELECT run, config_hash, status, started_at, finished_at FROM runs ORDER BY run") {
            RunRecord(
                run: $0.int(0), configHash: $0.text(1), status: RunRecord.Status(rawValue: $0.text(2)) ?? .failed,
                started: Timestamp.date($0.text(3)), finished: $0.optionalText(4).map(Timestamp.date))
        }
    }

    static func rounds(_ db: any SQLConnection, run: Int) throws -> [RoundRecord] {
        try db.rows(
            """
            SELECT run, round, participants, loss, accuracy, precision, recall, f1, duration_seconds, committed_at, aggregation
            FROM rounds WHERE run = ?1 ORDER BY round
            """, [.int(run)]
        ) {
            RoundRecord(
                run: $0.int(0), round: $0.int(1), participants: $0.int(2), loss: $0.optionalDouble(3),
                accuracy: $0.optionalDouble(4), precision: $0.optionalDouble(5), recall: $0.optionalDouble(6),
                f1: $0.optionalDouble(7), durationSeconds: $0.double(8), committed: Timestamp.date($0.text(9)),
                aggregation: $0.text(10))
        }
    }

    static func models(_ db: any SQLConnection, run: Int?) throws -> [ModelRecord] {
        let filter = run == nil ? "" : "WHERE run = ?1 "
        return try db.rows(
            "SELECT id, run, round, config_hash, size_bytes, metrics, created_at FROM models \(filter)ORDER BY run, round, id",
            run.map { [.int($0)] } ?? []
        ) {
            ModelRecord(
                id: $0.text(0), run: $0.int(1), round: $0.int(2), configHash: $0.text(3), sizeBytes: $0.int(4),
                metrics: $0.text(5), created: Timestamp.date($0.text(6)))
        }
    }

    static func operations(_ db: any SQLConnection) throws -> [OperationRecord] {
        try db.rows(
            """
            SELECT o.apply_id, o.operation, o.who, o.host, o.pid, o.version, o.plan_checksum, o.plan_summary,
                   o.started_at, o.finished_at, o.result, o.detail,
                   (SELECT count(*) FROM apply_journal j WHERE j.apply_id = o.apply_id),
                   (SELECT count(*) FROM apply_journal j WHERE j.apply_id = o.apply_id AND j.status = 'succeeded'),
                   (SELECT count(*) FROM apply_journal j WHERE j.apply_id = o.apply_id AND j.status = 'failed')
            FROM operations o ORDER BY o.started_at, o.apply_id
            """
        ) {
            var r = OperationRecord(
                applyID: $0.text(0), operation: $0.text(1), who: $0.text(2), host: $0.text(3), pid: Int32($0.int(4)),
                version: $0.text(5), planChecksum: $0.text(6), planSummary: $0.text(7), started: Timestamp.date($0.text(8)),
                finished: $0.optionalText(9).map(Timestamp.date), result: OperationRecord.Result(rawValue: $0.text(10)) ?? .running,
                detail: $0.optionalText(11))
            (r.steps, r.succeededSteps, r.failedSteps) = ($0.int(12), $0.int(13), $0.int(14))
            return r
        }
    }

    /// Every journal row (for `state migrate`), in a stable order.
    static func allJournal(_ db: any SQLConnection) throws -> [JournalEntry] {
        try db.rows("\(journalColumns) ORDER BY apply_id, step", journalEntry)
    }
}
