import Foundation

/// Copies one federation's whole state between backends (`fedplane state migrate`): identity
/// (lineage, serial — saved plans stay valid), resources, journal, audit trail, placement,
/// runs, rounds and model records. The source is read in one read transaction and never
/// written; the destination must not hold this federation yet. Afterwards both sides are
/// compared table by table (row count and a digest of every value), so a copy that differs in
/// any value is reported, not trusted.
public enum StateCopy {
    enum Kind { case text, int, real }

    /// Every table but the lock, with its columns in primary-key order first.
    static let tables: [(name: String, key: String, columns: [(String, Kind)])] = [
        ("resources", "address", [("address", .text), ("type", .text), ("provider", .text), ("provider_id", .text),
                                  ("attributes", .text), ("inputs_hash", .text), ("created_at", .text), ("updated_at", .text)]),
        ("apply_journal", "apply_id, step", [("apply_id", .text), ("step", .int), ("address", .text), ("action", .text),
                                             ("status", .text), ("started_at", .text), ("finished_at", .text), ("error", .text)]),
        ("operations", "apply_id", [("apply_id", .text), ("operation", .text), ("who", .text), ("host", .text), ("pid", .int),
                                    ("version", .text), ("plan_checksum", .text), ("plan_summary", .text), ("started_at", .text),
                                    ("finished_at", .text), ("result", .text), ("detail", .text)]),
        ("assignments", "participant", [("participant", .text), ("vm_id", .text), ("reason", .text), ("updated_at", .text)]),
        ("queue_cursors", "participant", [("participant", .text), ("cursor", .int)]),
        ("runs", "run", [("run", .int), ("config_hash", .text), ("status", .text), ("started_at", .text), ("finished_at", .text)]),
        ("rounds", "run, round", [("run", .int), ("round", .int), ("participants", .int), ("loss", .real), ("accuracy", .real),
                                  ("precision", .real), ("recall", .real), ("f1", .real), ("duration_seconds", .real),
                                  ("committed_at", .text), ("aggregation", .text)]),
        ("models", "id", [("id", .text), ("run", .int), ("round", .int), ("config_hash", .text), ("size_bytes", .int),
                          ("metrics", .text), ("created_at", .text)]),
        ("round_traffic", "run, round, participant", [("run", .int), ("round", .int), ("participant", .text), ("bytes_up", .int),
                                                      ("bytes_down", .int)]),
        ("aggregator_sessions", "run, started_at", [("run", .int), ("started_at", .text), ("stopped_at", .text)]),
        ("run_predictions", "run", [("run", .int), ("prediction", .text), ("created_at", .text)]),
        ("regional_aggregator_sessions", "run, aggregator, started_at", [("run", .int), ("aggregator", .text), ("started_at", .text),
                                                                        ("stopped_at", .text)]),
    ]

    /// What was copied: rows per table and the digest both sides agree on.
    public struct Report: Sendable, Equatable {
        public var lineage: String
        public var serial: Int
        public var rows: [(table: String, count: Int)]
        public var digest: String
        public static func == (a: Report, b: Report) -> Bool {
            a.lineage == b.lineage && a.serial == b.serial && a.digest == b.digest
                && a.rows.map(\.table) == b.rows.map(\.table) && a.rows.map(\.count) == b.rows.map(\.count)
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Copies `federation` from `source` to `destination` and verifies the copy.
    public static func copy(federation: String, from source: StateSource, to destination: StateSource,
                            owner: LockOwner = .current()) throws -> Report {
        guard source != destination else { throw Failure(description: "the source and the destination are the same state (\(source))") }
        guard try source.exists(federation: federation) else {
            throw Failure(description: "there is no state of \(federation) at \(source) to migrate")
        }
        guard try !destination.exists(federation: federation) else {
            throw Failure(description: "\(destination) already holds a state of \(federation); migrate only into an empty destination")
        }
        let from = try source.open(federation: federation, create: false, forReading: true, owner: owner)
        defer { from.close() }
        if let holder = try from.currentLock() {
            throw LockError(path: from.location, holder: holder, isStale: false)
        }
        // One read transaction: the copy is one committed version of the source.
        let (meta, data) = try read(from)
        let to = try destination.open(federation: federation, create: true, owner: owner)
        defer { to.close() }
        try inTransaction(to) { db in
            try db.change("UPDATE meta SET lineage = ?1, serial = ?2, created_at = ?3 WHERE id = 1",
                          [.text(meta.lineage), .int(meta.serial), .text(meta.created)])
            for (table, rows) in zip(tables, data) {
                let names = table.columns.map(\.0)
                let params = (1...names.count).map { "?\($0)" }.joined(separator: ", ")
                let sql = "INSERT INTO \(table.name) (\(names.joined(separator: ", "))) VALUES (\(params))"
                for row in rows { try db.change(sql, row) }
            }
        }
        let expected = try verify(from), actual = try verify(to)
        guard expected == actual else {
            throw Failure(description: "the copy at \(destination) does not match the source (source \(expected.rows), digest \(expected.digest); copy \(actual.rows), digest \(actual.digest)); the source is unchanged — drop the copy and try again")
        }
        return actual
    }

    /// Counts and a digest of every table of `store`, in key order.
    public static func verify(_ store: any StateBackend) throws -> Report {
        let (meta, data) = try read(store)
        var hash = StableHash.fnv1a("\(meta.lineage)\u{0}\(meta.serial)")
        var counts: [(String, Int)] = []
        for (table, rows) in zip(tables, data) {
            counts.append((table.name, rows.count))
            for row in rows {
                for value in row {
                    let text: String
                    switch value {
                    case .null: text = "\u{1}"
                    case .integer(let v): text = "i\(v)"
                    case .real(let v): text = "r\(v.bitPattern)"
                    case .text(let v): text = "t\(v)"
                    case .blob(let v): text = "b\(v)"
                    }
                    hash = StableHash.fnv1a(String(hash, radix: 16) + "\u{0}" + text)
                }
            }
        }
        return Report(lineage: meta.lineage, serial: meta.serial, rows: counts, digest: String(format: "%016llx", hash))
    }

    typealias Meta = (lineage: String, serial: Int, created: String)

    static func read(_ store: any StateBackend) throws -> (Meta, [[[SQLValue]]]) {
        try inReadTransaction(store) { db in
            guard let meta = try db.first("SELECT lineage, serial, created_at FROM meta WHERE id = 1", [], {
                (lineage: $0.text(0), serial: $0.int(1), created: $0.text(2))
            }) else { throw StateStoreError.notAState(path: store.location) }
            let data = try tables.map { table in
                try db.rows("SELECT \(table.columns.map(\.0).joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.key)", []) { row in
                    table.columns.enumerated().map { index, column -> SQLValue in
                        let c = Int32(index)
                        if row.isNull(c) { return .null }
                        switch column.1 {
                        case .text: return .text(row.text(c))
                        case .int: return .int(row.int(c))
                        case .real: return .real(row.double(c))
                        }
                    }
                }
            }
            return (meta, data)
        }
    }

    static func inReadTransaction<T>(_ store: any StateBackend, _ body: (any SQLConnection) throws -> T) throws -> T {
        switch store {
        case let s as StateStore: return try s.withDatabase { db in try db.transaction(.deferred) { try body(db) } }
        case let s as PostgresStateStore:
            return try s.withConnection { db in try db.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { try body(db) } }
        default: throw Failure(description: "cannot copy a state from \(store.location)")
        }
    }

    static func inTransaction<T>(_ store: any StateBackend, _ body: (any SQLConnection) throws -> T) throws -> T {
        switch store {
        case let s as StateStore: return try s.withDatabase { db in try db.transaction(.immediate) { try body(db) } }
        case let s as PostgresStateStore: return try s.withConnection { db in try db.transaction { try body(db) } }
        default: throw Failure(description: "cannot copy a state to \(store.location)")
        }
    }
}
