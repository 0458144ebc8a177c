/// Backups and health checks.
extension StateStore {
    /// Where `backupBeforeApply` writes, and where recovery messages point.
    public var backupPath: String { path + ".backup" }

    /// A consistent copy of the state at `destination` (SQLite online backup; other processes
    /// may keep reading and writing). Replaces `destination` atomically.
    public func backup(to destination: String) throws {
        try withDatabase { try $0.backup(to: destination) }
    }

    /// Copies the state to `<db>.backup`; apply calls this before its first step.
    @discardableResult
    public func backupBeforeApply() throws -> String? {
        try backup(to: backupPath)
        return backupPath
    }

    /// Full `PRAGMA integrity_check` plus `foreign_key_check`. Returns the problems found;
    /// empty means healthy.
    public func integrityCheck() throws -> [String] {
        try withDatabase { db in
            var problems = try db.query("PRAGMA integrity_check") { $0.text(0) }.filter { $0 != "ok" }
            problems += try db.query("PRAGMA foreign_key_check") {
                "foreign key violation: \($0.text(0)) row \($0.int(1)) → \($0.text(2))"
            }
            return problems
        }
    }
}
