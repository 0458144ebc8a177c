import CPostgres
import Foundation

/// A failed PostgreSQL call: the server's SQLSTATE and message, and what was being done. Never
/// carries the password (messages are scrubbed; the location is the masked URL).
public struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Five-character SQLSTATE (`40001`, `42P01`, …); empty for connection-level failures.
    public let sqlState: String
    public let message: String
    public let operation: String
    public let location: String

    public var description: String {
        let what = operation.split(separator: "\n").first.map(String.init) ?? operation
        return "PostgreSQL error\(sqlState.isEmpty ? "" : " \(sqlState)") (\(message)) on \(location) during: \(what)"
    }
}

/// One libpq session, synchronous like the rest of the engine. SQL arrives in the state's
/// SQLite dialect and is translated once per text (`PostgresSQL.translate`). Not thread-safe:
/// the store serialises access. The session matters: advisory locks live as long as it does.
final class PostgresConnection: SQLConnection {
    private let handle: OpaquePointer
    let url: PostgresURL
    /// Server-side prepared statements by SQL text (parsed and planned once per session: a write
    /// of a thousand upserts is one round trip each, not a parse each).
    private var prepared: [String: String] = [:]

    init(url: PostgresURL) throws {
        guard let conn = PQconnectdb(url.raw) else {
            throw PostgresError(sqlState: "", message: "out of memory", operation: "connect", location: url.redacted)
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(conn)
            throw PostgresError(sqlState: "", message: url.scrub(message), operation: "connect", location: url.redacted)
        }
        handle = conn
        self.url = url
        // Notices (e.g. "schema already exists, skipping") are not for the user.
        try execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    /// Runs one or more statements without parameters (DDL, BEGIN/COMMIT, SET).
    func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    func change(_ sql: String, _ values: [SQLValue]) throws -> Int {
        let result = try run(sql, values)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func rows<T>(_ sql: String, _ values: [SQLValue], _ row: (any SQLRow) throws -> T) throws -> [T] {
        let result = try run(sql, values)
        defer { PQclear(result) }
        let count = PQntuples(result)
        var out: [T] = []
        out.reserveCapacity(Int(count))
        for index in 0..<count { out.append(try row(PostgresRow(result: result, row: index))) }
        return out
    }

    /// Runs `body` in one transaction: COMMIT when it returns, ROLLBACK when it throws.
    func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try execute(begin)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if PQtransactionStatus(handle) != PQTRANS_IDLE { try? execute("ROLLBACK") }
            throw error
        }
    }

    private func run(_ sql: String, _ values: [SQLValue]) throws -> OpaquePointer? {
        let name: String
        if let n = prepared[sql] { name = n } else {
            name = "s\(prepared.count)"
            // Parameter types are left to the server, which infers them from the columns they meet.
            let result = PQprepare(handle, name, PostgresSQL.translate(sql), Int32(values.count), nil)
            defer { PQclear(result) }
            try check(result, sql)
            prepared[sql] = name
        }
        // Parameters go as text.
        let strings: [String?] = try values.map {
            switch $0 {
            case .null: return nil
            case .integer(let v): return String(v)
            case .real(let v): return "\(v)"
            case .text(let v): return v
            case .blob: throw PostgresError(sqlState: "", message: "blob parameters are not used by the state", operation: sql, location: url.redacted)
            }
        }
        let cStrings = strings.map { $0.map { strdup($0) } ?? nil }
        defer { cStrings.forEach { free($0) } }
        let pointers = cStrings.map { UnsafePointer<CChar>($0) }
        let result = pointers.withUnsafeBufferPointer {
            PQexecPrepared(handle, name, Int32(values.count), $0.baseAddress, nil, nil, 0)
        }
        do { try check(result, sql) } catch { PQclear(result); throw error }
        return result
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws {
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK else { return }
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        var message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? String(cString: PQerrorMessage(handle))
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        throw PostgresError(sqlState: state, message: url.scrub(message), operation: sql, location: url.redacted)
    }

    /// Whether the session is still usable (a terminated backend leaves it bad).
    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }
}

/// One row of a PostgreSQL result (text format: numbers arrive as their decimal text).
struct PostgresRow: SQLRow {
    let result: OpaquePointer?
    let row: Int32

    func isNull(_ column: Int32) -> Bool { PQgetisnull(result, row, column) == 1 }
    func text(_ column: Int32) -> String { String(cString: PQgetvalue(result, row, column)) }
    func int(_ column: Int32) -> Int {
        let t = text(column)
        return Int(t) ?? (t == "t" ? 1 : t == "f" ? 0 : 0)
    }
    func double(_ column: Int32) -> Double { Double(text(column)) ?? 0 }
}

/// The state's SQL is SQLite's; PostgreSQL differs in two places it uses: `?N` parameters are
/// `$N`, and `IS NOT` between values is `IS DISTINCT FROM`.
enum PostgresSQL {
    static func translate(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.count)
        var chars = sql.makeIterator()
        var inString = false
        while let c = chars.next() {
            if c == "'" { inString.toggle() }
            if c == "?" && !inString { out.append("$") } else { out.append(c) }
        }
        return out.replacingOccurrences(of: " IS NOT excluded.", with: " IS DISTINCT FROM excluded.")
    }
}
