/// SQL for the single-row `lock` table. Lock changes do not bump the serial: the lock says who
/// may write, it is not part of the recorded world.
enum LockTable {
    static let selectSQL = "SELECT lock_id, operation, who, pid, host, version, created_at FROM lock WHERE id = 1"

    static func info(_ row: any SQLRow) -> LockInfo {
        LockInfo(
            id: row.text(0), operation: row.text(1), who: row.text(2), pid: Int32(truncatingIfNeeded: row.int(3)),
            host: row.text(4), version: row.text(5), created: Timestamp.date(row.text(6)))
    }

    static func read(_ db: any SQLConnection) throws -> LockInfo? {
        try db.first(selectSQL, [], info)
    }

    static func insert(_ info: LockInfo, into db: any SQLConnection) throws {
        try db.change(
            """
            INSERT INTO lock (id, lock_id, operation, who, pid, host, version, created_at)
            VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """,
            [.text(info.id), .text(info.operation), .text(info.who), .int(Int(info.pid)),
             .text(info.host), .text(info.version), .text(Timestamp.string(info.created))])
    }

    static func delete(_ db: any SQLConnection) throws {
        try db.change("DELETE FROM lock WHERE id = 1", [])
    }
}
