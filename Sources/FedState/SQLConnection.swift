/// One row of a query result, read by column (0-based). SQLite's `Statement` and PostgreSQL's
/// result rows both conform, so the state's reads are written once for both backends.
public protocol SQLRow {
    func isNull(_ column: Int32) -> Bool
    func int(_ column: Int32) -> Int
    func double(_ column: Int32) -> Double
    func text(_ column: Int32) -> String
}

extension SQLRow {
    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    public func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    public func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
}

/// The little a state backend's connection must do. SQL is written in SQLite's dialect with
/// `?N` parameters; the PostgreSQL connection translates the few differences (see `PostgresSQL`).
public protocol SQLConnection: AnyObject {
    /// Runs a modifying statement; returns how many rows it changed (a no-op upsert counts 0).
    @discardableResult
    func change(_ sql: String, _ values: [SQLValue]) throws -> Int
    /// Runs a query and maps every row.
    func rows<T>(_ sql: String, _ values: [SQLValue], _ row: (any SQLRow) throws -> T) throws -> [T]
}

extension SQLConnection {
    func rows<T>(_ sql: String, _ row: (any SQLRow) throws -> T) throws -> [T] { try rows(sql, [], row) }
    func first<T>(_ sql: String, _ values: [SQLValue] = [], _ row: (any SQLRow) throws -> T) throws -> T? {
        try rows(sql, values, row).first
    }
}

extension Statement: SQLRow {}

extension Database: SQLConnection {
    public func change(_ sql: String, _ values: [SQLValue]) throws -> Int { try run(sql, values) }
    public func rows<T>(_ sql: String, _ values: [SQLValue], _ row: (any SQLRow) throws -> T) throws -> [T] {
        try query(sql, values) { try row($0) }
    }
}
