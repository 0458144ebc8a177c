import CSQLite

/// A failed SQLite call: sqlite's own result code and message plus the operation that
/// failed (the SQL text or the C call), so a log line says *what* broke, not just "error 11".
public struct DatabaseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The extended SQLite result code (`SQLITE_BUSY`, `SQLITE_CORRUPT`, …).
    public let code: Int32
    /// `sqlite3_errmsg` at the time of failure.
    public let message: String
    /// The SQL statement or C API call that failed.
    public let operation: String
    /// The database file the connection was opened on.
    public let path: String

    public init(code: Int32, message: String, operation: String, path: String) {
        self.code = code
        self.message = message
        self.operation = operation
        self.path = path
    }

    /// The primary result code (extended codes keep it in the low byte).
    public var primaryCode: Int32 { code & 0xFF }

    /// True for damage that only restoring a backup can fix.
    public var isCorruption: Bool {
        primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB
    }

    /// True when another connection held a lock past the busy timeout.
    public var isBusy: Bool {
        primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED
    }

    /// True when the file or its directory cannot be written (read-only file system, immutable
    /// file, no permission): SQLite cannot create the WAL's `-shm`, or refuses to write.
    public var isNotWritable: Bool {
        primaryCode == SQLITE_CANTOPEN || primaryCode == SQLITE_READONLY || primaryCode == SQLITE_PERM
            || code == 4618  // SQLITE_IOERR_SHMOPEN (a macro Swift does not import)
    }

    public var description: String {
        "sqlite error \(code) (\(message)) in \(path) during: \(operation)"
    }
}
