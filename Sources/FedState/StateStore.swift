import CSQLite
import Foundation

/// The SQLite-backed state of one federation: identity (lineage, serial), managed resources,
/// apply journal, orchestrator placement, training history, and the writer lock.
///
/// One connection per store, serialised by a mutex, so a store may be shared across threads.
/// Several stores (processes) may open the same file: SQLite's WAL gives readers consistent
/// snapshots while one writer works, and the `lock` table keeps applies one at a time.
public final class StateStore: @unchecked Sendable {
    public let path: String
    public let federation: String
    /// Fixed at creation; never changes for the life of the file.
    public let lineage: String
    public let owner: LockOwner
    let clock: @Sendable () -> Date

    // Guarded by `mutex` (this is why the class is @unchecked Sendable).
    private let mutex = NSLock()
    private var database: Database?
    var heldLockID: String?
    /// Opened with `openForReading` where the state cannot be written: writes and locks refuse.
    public internal(set) var isReadOnly = false

    init(
        database: Database, federation: String, lineage: String, owner: LockOwner,
        clock: @escaping @Sendable () -> Date
    ) {
        self.path = database.path
        self.database = database
        self.federation = federation
        self.lineage = lineage
        self.owner = owner
        self.clock = clock
    }

    /// Runs `body` with exclusive use of the connection.
    func withDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        mutex.lock()
        defer { mutex.unlock() }
        guard let database else {
            throw DatabaseError(
                code: SQLITE_MISUSE, message: "state store is closed", operation: "use", path: path)
        }
        return try body(database)
    }

    /// Closes the connection (the last close checkpoints the WAL into the file). Later calls throw.
    /// A held lock is *not* released: that stays explicit.
    public func close() {
        mutex.lock()
        database = nil
        mutex.unlock()
    }
}

extension StateStore: StateWriter {
    /// Runs `body` in one IMMEDIATE transaction and bumps the serial once if it changed any row.
    /// Refuses (LockError) when another holder has the lock, and refuses when this store's own
    /// lock was force-released meanwhile: writers must not race an apply.
    @discardableResult
    public func write<T>(_ body: (StateTransaction) throws -> T) throws -> T {
        if isReadOnly { throw StateStoreError.readOnly(path: path, needs: "writes") }
        return try withDatabase { db in
            try db.transaction(.immediate) {
                try checkLockForWrite(db)
                let transaction = StateTransaction(database: db, now: clock())
                let result = try body(transaction)
                if transaction.changedRows > 0 {
                    try db.run("UPDATE meta SET serial = serial + 1 WHERE id = 1")
                }
                return result
            }
        }
    }
}

extension StateStore: StateBackend {
    public var location: String { path }
}

extension StateStore {
    /// The schema version this build writes (and the newest it can read).
    public static var schemaVersion: Int { Schema.currentVersion }
}
