/// How a transaction takes SQLite's locks.
public enum TransactionKind: String, Sendable {
    /// Reads see one consistent snapshot (WAL); the write lock is taken lazily.
    case deferred = "DEFERRED"
    /// Takes the write lock at BEGIN, so two writers never both read-then-write:
    /// the second waits (busy_timeout) instead of failing later with SQLITE_BUSY_SNAPSHOT.
    case immediate = "IMMEDIATE"
    case exclusive = "EXCLUSIVE"
}

extension Database {
    /// Runs `body` in one transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ kind: TransactionKind = .deferred, _ body: () throws -> T) throws -> T {
        try execute("BEGIN \(kind.rawValue)")
        let result: T
        do {
            result = try body()
            try execute("COMMIT")
        } catch {
            // A failed COMMIT can leave the transaction open; ROLLBACK then closes it.
            if inTransaction { try? execute("ROLLBACK") }
            throw error
        }
        return result
    }
}
