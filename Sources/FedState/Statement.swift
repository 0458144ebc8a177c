import CSQLite

/// A prepared statement. Binds are positional and typed (`SQLValue`); columns are read
/// through typed accessors. Not thread-safe: it belongs to its connection's owner.
public final class Statement {
    let handle: OpaquePointer
    public let sql: String
    /// The file path only, for error messages: holding the `Database` itself would make a
    /// cycle with its statement cache (sqlite3_close_v2 keeps the handle alive for us).
    private let path: String

    init(database: Database, sql: String) throws {
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, 0, &handle, nil)
        guard rc == SQLITE_OK, let handle else {
            throw database.error(rc, operation: sql)
        }
        self.handle = handle
        self.sql = sql
        self.path = database.path
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to parameters 1…n.
    public func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw DatabaseError(
                code: SQLITE_RANGE, message: "\(values.count) values for \(expected) parameters",
                operation: sql, path: path)
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    private func bind(_ value: SQLValue, at index: Int32) throws {
        // SQLITE_TRANSIENT is a macro Swift cannot import: sqlite copies the bytes.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let v): rc = sqlite3_bind_text(handle, index, v, -1, transient)
        case .blob(let v):
            rc = v.withUnsafeBytes {
                sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient)
            }
        }
        guard rc == SQLITE_OK else { throw failure(rc) }
    }

    /// Advances one row: `true` when a row is available, `false` when done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = failure(rc)  // read errmsg before reset can touch it
            sqlite3_reset(handle)
            throw error
        }
    }

    private func failure(_ rc: Int32) -> DatabaseError {
        let db = sqlite3_db_handle(handle)
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
        let code = db.map { sqlite3_extended_errcode($0) } ?? rc
        return DatabaseError(code: code, message: message, operation: sql, path: path)
    }

    /// Releases the read snapshot a half-read SELECT would otherwise keep open.
    public func reset() { sqlite3_reset(handle) }

    // MARK: typed columns (0-based, as in sqlite3_column_*)

    public func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }
    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    public func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: bytes)
    }
    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    public func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    public func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let base = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }
}
