/// Reads of the append-mostly history: the apply journal and training records.
extension StateStore {
    /// Every step of one apply, in step order.
    public func journal(applyID: String) throws -> [JournalEntry] {
        try withDatabase { db in
            try db.query("\(Self.journalColumns) WHERE apply_id = ?1 ORDER BY step", [.text(applyID)], row: Self.journalEntry)
        }
    }

    /// Steps that started and never finished: the side effect may or may not have happened,
    /// so the next plan must re-observe these addresses.
    public func unfinishedJournalSteps() throws -> [JournalEntry] {
        try withDatabase { db in
            try db.query("\(Self.journalColumns) WHERE status = 'started' ORDER BY started_at, apply_id, step", row: Self.journalEntry)
        }
    }

    private static let journalColumns = """
        SELECT apply_id, step, address, action, status, started_at, finished_at, error FROM apply_journal
        """

    private static func journalEntry(_ row: Statement) -> JournalEntry {
        JournalEntry(
            applyID: row.text(0), step: row.int(1), address: row.text(2), action: row.text(3),
            status: JournalStatus(rawValue: row.text(4)) ?? .started, started: Timestamp.date(row.text(5)),
            finished: row.optionalText(6).map(Timestamp.date), error: row.optionalText(7))
    }

    public func runs() throws -> [RunRecord] {
        try withDatabase { db in
            try db.query("SELECT run, config_hash, status, started_at, finished_at FROM runs ORDER BY run") {
                RunRecord(
                    run: $0.int(0), configHash: $0.text(1), status: RunRecord.Status(rawValue: $0.text(2)) ?? .failed,
                    started: Timestamp.date($0.text(3)), finished: $0.optionalText(4).map(Timestamp.date))
            }
        }
    }

    public func rounds(run: Int) throws -> [RoundRecord] {
        try withDatabase { db in
            try db.query(
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
    }

    public func models(run: Int) throws -> [ModelRecord] {
        try withDatabase { db in
            try db.query(
                "SELECT id, run, round, config_hash, size_bytes, metrics, created_at FROM models WHERE run = ?1 ORDER BY round, id",
                [.int(run)]
            ) {
                ModelRecord(
                    id: $0.text(0), run: $0.int(1), round: $0.int(2), configHash: $0.text(3), sizeBytes: $0.int(4),
                    metrics: $0.text(5), created: Timestamp.date($0.text(6)))
            }
        }
    }
}
