/// Reads the whole recorded world in one read transaction. Under WAL this sees a single
/// committed version even while another process writes, and takes no lock.
extension StateStore: StateReader {
    public func snapshot() throws -> StateSnapshot {
        try withDatabase { db in
            try db.transaction(.deferred) {
                let meta = try db.queryOne("SELECT lineage, serial, federation FROM meta WHERE id = 1") {
                    (lineage: $0.text(0), serial: $0.int(1), federation: $0.text(2))
                }
                guard let meta else { throw StateStoreError.notAState(path: path) }
                return StateSnapshot(
                    lineage: meta.lineage, serial: meta.serial, federation: meta.federation,
                    resources: try Self.resources(db), assignments: try Self.assignments(db),
                    cursors: try Self.cursors(db),
                    lastRun: try db.queryOne("SELECT COALESCE(MAX(run), 0) FROM runs") { $0.int(0) } ?? 0)
            }
        }
    }

    /// Just the serial (cheap; for "has the state moved since the plan?" checks).
    public func serial() throws -> Int {
        try withDatabase { db in
            try db.queryOne("SELECT serial FROM meta WHERE id = 1") { $0.int(0) } ?? 0
        }
    }

    private static func resources(_ db: Database) throws -> [Resource] {
        try db.query(
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
    }

    private static func assignments(_ db: Database) throws -> [Assignment] {
        try db.query("SELECT participant, vm_id, reason, updated_at FROM assignments ORDER BY participant") {
            Assignment(participant: $0.text(0), vmID: $0.text(1), reason: $0.text(2), updated: Timestamp.date($0.text(3)))
        }
    }

    private static func cursors(_ db: Database) throws -> [String: Int] {
        let pairs = try db.query("SELECT participant, cursor FROM queue_cursors") { ($0.text(0), $0.int(1)) }
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }
}
