import CSQLite

/// A thin wrapper over one SQLite connection: open, execute, prepared statements (cached by
/// SQL text, so hot loops do not re-parse), and errors that carry sqlite's message and the
/// failing operation. Not thread-safe; `StateStore` serialises access to it.
public final class Database {
    public enum OpenMode: Sendable {
        case readOnly, readWrite, readWriteCreate
        /// Read-only through a URI (`mode=ro`), for a file in a directory fedplane cannot write:
        /// `immutable` tells SQLite nothing can change the file, so it needs no `-shm` (which
        /// a WAL database otherwise needs to create).
        case readOnlyFile(immutable: Bool)

        var flags: Int32 {
            // FULLMUTEX is cheap insurance; callers serialise anyway. URI off: paths are plain.
            let base = SQLITE_OPEN_FULLMUTEX
            switch self {
            case .readOnly: return base | SQLITE_OPEN_READONLY
            case .readWrite: return base | SQLITE_OPEN_READWRITE
            case .readWriteCreate: return base | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .readOnlyFile: return base | SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
            }
        }
    }

    public let path: String
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]

    /// Opens (never creates unless asked) the file. SQLite reads nothing at open time,
    /// so a damaged file surfaces on the first query, not here.
    public init(path: String, mode: OpenMode = .readWrite) throws {
        var handle: OpaquePointer?
        // A new database is private from its first byte (SQLite would create it 0644 & ~umask).
        if case .readWriteCreate = mode { PrivateFiles.precreate(path) }
        var name = path
        if case .readOnlyFile(let immutable) = mode {
            // file: URIs percent-encode what would end the path; `path` stays the plain one.
            var escaped = ""
            for ch in path.unicodeScalars {
                switch ch {
                case "%", "?", "#": escaped += String(format: "%%%02X", ch.value)
                default: escaped.unicodeScalars.append(ch)
                }
            }
            name = "file:\(escaped)?mode=ro" + (immutable ? "&immutable=1" : "")
        }
        let rc = sqlite3_open_v2(name, &handle, mode.flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) }
                ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(handle)
            throw DatabaseError(code: rc, message: message, operation: "sqlite3_open_v2", path: path)
        }
        sqlite3_extended_result_codes(handle, 1)
        self.path = path
        self.handle = handle
    }

    deinit {
        statementCache.removeAll()  // finalize before close
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, operation: String) -> DatabaseError {
        DatabaseError(
            code: rc == SQLITE_OK ? sqlite3_extended_errcode(handle) : rc,
            message: String(cString: sqlite3_errmsg(handle)), operation: operation, path: path)
    }

    /// Runs one or more statements without parameters (schema, pragmas, BEGIN/COMMIT).
    public func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, operation: sql) }
    }

    /// A fresh prepared statement the caller owns.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// A prepared statement reused across calls with the same SQL text.
    public func cached(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] { return statement }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs a modifying statement; returns how many rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
        let statement = try cached(sql)
        try statement.bind(values)
        while try statement.step() {}
        return changes
    }

    /// Runs a query and maps every row.
    public func query<T>(
        _ sql: String, _ values: [SQLValue] = [], row: (Statement) throws -> T
    ) throws -> [T] {
        let statement = try cached(sql)
        try statement.bind(values)
        defer { statement.reset() }
        var rows: [T] = []
        while try statement.step() { rows.append(try row(statement)) }
        return rows
    }

    /// The first row of a query, if any.
    public func queryOne<T>(
        _ sql: String, _ values: [SQLValue] = [], row: (Statement) throws -> T
    ) throws -> T? {
        let statement = try cached(sql)
        try statement.bind(values)
        defer { statement.reset() }
        return try statement.step() ? row(statement) : nil
    }

    /// Rows changed by the most recent INSERT/UPDATE/DELETE on this connection. An upsert
    /// whose `DO UPDATE … WHERE` is false counts 0, which is how no-op writes are detected.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Whether a transaction is open on this connection.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
}
