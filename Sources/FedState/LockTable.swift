/// SQL for the single-row `lock` table. Lock changes do not bump the serial: the lock says who
/// may write, it is not part of the recorded world.
enum LockTable {
    static func read(_ db: Database) throws -> LockInfo? {
        try db.queryOne(
            "SELECT lock_id, operation, who, pid, host, version, created_at FROM lock WHERE id = 1"
        ) {
            LockInfo(
                id: $0.text(0), operation: $0.text(1), who: $0.text(2), pid: Int32(truncatingIfNeeded: $0.int(3)),
                host: $0.text(4), version: $0.text(5), created: Timestamp.date($0.text(6)))
        }
    }

    static func insert(_ info: LockInfo, into db: Database) throws {
        try db.run(
            """
            INSERT INTO lock (id, lock_id, operation, who, pid, host, version, created_at)
            VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """,
            [.text(info.id), .text(info.operation), .text(info.who), .int(Int(info.pid)),
             .text(info.host), .text(info.version), .text(Timestamp.string(info.created))])
    }

    static func delete(_ db: Database) throws {
        try db.run("DELETE FROM lock WHERE id = 1")
    }
}
