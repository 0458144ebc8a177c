import Foundation

/// One federation's state in a PostgreSQL database (a schema per federation, so many share one
/// database). Same tables, same SQL and the same roles as the SQLite `StateStore`; differences:
///
/// - Writes run in READ COMMITTED transactions that first lock the `meta` row (`FOR UPDATE`), so
///   writers queue one behind the other like SQLite's BEGIN IMMEDIATE, and the serial moves once.
/// - The writer lock is a session-level advisory lock on a key from federation + lineage, plus a
///   row in `lock` saying who holds it (for messages). The advisory lock ends with its session, so
///   a holder killed outright (SIGKILL, a cancelled pipeline) frees the state by itself; a row
///   left behind without the advisory lock is ignored and replaced.
/// - Backups are the server's business (`backupBeforeApply` returns nil).
public final class PostgresStateStore: StateBackend, @unchecked Sendable {
    public let url: PostgresURL
    public let federation: String
    public let lineage: String
    public let owner: LockOwner
    public let isReadOnly = false
    let clock: @Sendable () -> Date
    let schema: String
    /// The advisory lock key: stable across processes and machines for one federation + lineage.
    let lockKey: Int64

    // Guarded by `mutex`.
    private let mutex = NSLock()
    private var connection: PostgresConnection?
    private var heldLockID: String?

    public var location: String { "\(url.redacted) (schema \(schema))" }

    init(connection: PostgresConnection, url: PostgresURL, federation: String, lineage: String, schema: String,
         owner: LockOwner, clock: @escaping @Sendable () -> Date) {
        self.connection = connection
        self.url = url
        self.federation = federation
        self.lineage = lineage
        self.schema = schema
        self.owner = owner
        self.clock = clock
        self.lockKey = Int64(bitPattern: StableHash.fnv1a("fedplane-lock\u{0}\(federation)\u{0}\(lineage)"))
    }

    /// Opens the state of `federation` in the database at `url`, creating its schema and tables
    /// when `create` is true and they are missing (two processes creating at once end up with one
    /// lineage: creation holds a transaction-level advisory lock).
    public static func open(url: PostgresURL, federation: String, create: Bool,
                            owner: LockOwner = .current(), clock: @escaping @Sendable () -> Date = { Date() }) throws -> PostgresStateStore {
        let db = try PostgresConnection(url: url)
        let schema = PostgresSchema.schemaName(federation: federation)
        let location = "\(url.redacted) (schema \(schema))"
        try db.execute("SET search_path TO \(schema)")
        let identity: (lineage: String, federation: String, version: Int)? = try db.transaction {
            if try !exists(db) {
                guard create else { return nil }
                let key = Int64(bitPattern: StableHash.fnv1a("fedplane-create\u{0}\(federation)"))
                _ = try db.rows("SELECT pg_advisory_xact_lock(\(key))") { _ in 0 }
                if try !exists(db) {
                    try db.execute("CREATE SCHEMA IF NOT EXISTS \(schema)")
                    try db.execute(PostgresSchema.tables)
                    try db.change(
                        "INSERT INTO meta (id, schema_version, lineage, serial, federation, created_at) VALUES (1, ?1, ?2, 0, ?3, ?4)",
                        [.int(4), .text(UUID().uuidString.lowercased()), .text(federation),
                         .text(Timestamp.string(clock()))])
                    try PostgresSchema.migrate(db, from: 4)
                }
            }
            // An older state moves forward under the creation lock (one process migrates).
            if let found = try db.first("SELECT schema_version FROM meta WHERE id = 1", [], { $0.int(0) }), found < Schema.currentVersion {
                let key = Int64(bitPattern: StableHash.fnv1a("fedplane-create\u{0}\(federation)"))
                _ = try db.rows("SELECT pg_advisory_xact_lock(\(key))") { _ in 0 }
                let again = try db.first("SELECT schema_version FROM meta WHERE id = 1 FOR UPDATE", [], { $0.int(0) }) ?? found
                try PostgresSchema.migrate(db, from: again)
            }
            return try db.first("SELECT lineage, federation, schema_version FROM meta WHERE id = 1") {
                (lineage: $0.text(0), federation: $0.text(1), version: $0.int(2))
            }
        }
        guard let identity else { throw StateStoreError.missing(path: location) }
        guard identity.version <= Schema.currentVersion else {
            throw StateStoreError.newerSchema(path: location, found: identity.version, known: Schema.currentVersion)
        }
        guard identity.federation == federation else {
            throw StateStoreError.federationMismatch(path: location, recorded: identity.federation, requested: federation)
        }
        return PostgresStateStore(connection: db, url: url, federation: federation, lineage: identity.lineage, schema: schema,
                                  owner: owner, clock: clock)
    }

    /// Whether the federation's state exists in the database (without creating anything).
    public static func exists(url: PostgresURL, federation: String) throws -> Bool {
        let db = try PostgresConnection(url: url)
        try db.execute("SET search_path TO \(PostgresSchema.schemaName(federation: federation))")
        return try exists(db)
    }

    private static func exists(_ db: PostgresConnection) throws -> Bool {
        try db.first("SELECT to_regclass('meta') IS NOT NULL") { $0.text(0) == "t" } ?? false
    }

    /// Runs `body` with exclusive use of the session.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        mutex.lock()
        defer { mutex.unlock() }
        guard let connection else {
            throw PostgresError(sqlState: "", message: "state store is closed", operation: "use", location: location)
        }
        return try body(connection)
    }

    public func close() {
        mutex.lock()
        connection = nil
        mutex.unlock()
    }

    // MARK: reads

    public func snapshot() throws -> StateSnapshot {
        try withConnection { db in
            try db.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { try StateQueries.snapshot(db, location: location) }
        }
    }

    public func serial() throws -> Int { try withConnection { try StateQueries.serial($0) } }
    public func journal(applyID: String) throws -> [JournalEntry] { try withConnection { try StateQueries.journal($0, applyID: applyID) } }
    public func unfinishedJournalSteps() throws -> [JournalEntry] { try withConnection { try StateQueries.unfinishedJournalSteps($0) } }
    public func operations() throws -> [OperationRecord] { try withConnection { try StateQueries.operations($0) } }
    public func runs() throws -> [RunRecord] { try withConnection { try StateQueries.runs($0) } }
    public func rounds(run: Int) throws -> [RoundRecord] { try withConnection { try StateQueries.rounds($0, run: run) } }
    public func models(run: Int) throws -> [ModelRecord] { try withConnection { try StateQueries.models($0, run: run) } }

    public func backupBeforeApply() throws -> String? { nil }

    // MARK: writes

    @discardableResult
    public func write<T>(_ body: (StateTransaction) throws -> T) throws -> T {
        try withConnection { db in
            try db.transaction {
                // Queue behind any other writer of this federation (BEGIN IMMEDIATE's role).
                _ = try db.rows("SELECT serial FROM meta WHERE id = 1 FOR UPDATE") { _ in 0 }
                try checkLockForWrite(db)
                let transaction = StateTransaction(database: db, now: clock())
                let result = try body(transaction)
                if transaction.changedRows > 0 {
                    try db.change("UPDATE meta SET serial = serial + 1 WHERE id = 1", [])
                }
                return result
            }
        }
    }

    // MARK: the writer lock

    @discardableResult
    public func lock(operation: String, timeout: Duration = .zero) throws -> LockInfo {
        let info = LockInfo(id: UUID().uuidString.lowercased(), operation: operation, who: owner.who,
                            pid: owner.pid, host: owner.host, version: owner.version, created: clock())
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(100)
        while true {
            let failure: Error
            do {
                try takeLock(info)
                return info
            } catch let error as LockError {
                failure = error
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw failure }
            Thread.sleep(forTimeInterval: min(delay, remaining).seconds)
            delay = min(delay * 2, .seconds(2))
        }
    }

    private func takeLock(_ info: LockInfo) throws {
        try withConnection { db in
            let got = try db.first("SELECT pg_try_advisory_lock(\(lockKey))") { $0.text(0) == "t" } ?? false
            guard got else {
                let holder = try db.first(LockTable.selectSQL) { LockTable.info($0) }
                    // Between the holder's advisory lock and its row: name what we know.
                    ?? LockInfo(id: "(being taken)", operation: "unknown", who: "another fedplane", pid: 0, host: "unknown",
                                version: "", created: clock())
                throw LockError(path: location, holder: holder, isStale: false)
            }
            do {
                try db.transaction {
                    // A row left by a holder whose session ended (killed) is replaced: its advisory lock is gone.
                    try db.change("DELETE FROM lock WHERE id = 1", [])
                    try LockTable.insert(info, into: db)
                }
            } catch {
                _ = try? db.rows("SELECT pg_advisory_unlock(\(lockKey))") { _ in 0 }
                throw error
            }
            heldLockID = info.id
        }
    }

    public func unlock(_ id: String) throws {
        try withConnection { db in
            let current = try liveLock(db)
            guard heldLockID == id else { throw StateStoreError.notLockHolder(path: location, id: id, current: current) }
            heldLockID = nil
            defer { _ = try? db.rows("SELECT pg_advisory_unlock(\(lockKey))") { _ in 0 } }
            guard current?.id == id else { throw StateStoreError.lockLost(path: location, id: id) }
            try db.change("DELETE FROM lock WHERE id = 1 AND lock_id = ?1", [.text(id)])
        }
    }

    /// Releases the lock with this id. A holder whose session is alive is refused unless `force`;
    /// with `force` its session is ended (that is the only way to take a session's advisory lock).
    @discardableResult
    public func forceUnlock(_ id: String, force: Bool = false) throws -> LockInfo {
        try withConnection { db in
            let row = try db.first(LockTable.selectSQL) { LockTable.info($0) }
            guard let row, row.id == id else {
                throw StateStoreError.lockIDMismatch(path: location, id: id, current: try liveLock(db))
            }
            if heldLockID == id {
                heldLockID = nil
                _ = try db.rows("SELECT pg_advisory_unlock(\(lockKey))") { _ in 0 }
            } else if let session = try holderSession(db) {
                guard force else { throw StateStoreError.holderAlive(path: location, holder: row) }
                _ = try db.rows("SELECT pg_terminate_backend(?1::int)", [.int(session)]) { _ in 0 }
            }
            try db.change("DELETE FROM lock WHERE id = 1 AND lock_id = ?1", [.text(id)])
            return row
        }
    }

    public func releaseHeldLock() {
        guard let id = (try? withConnection { _ in heldLockID }) ?? nil else { return }
        try? unlock(id)
    }

    public func currentLock() throws -> LockInfo? {
        try withConnection { try liveLock($0) }
    }

    /// The lock row, if its holder still holds the advisory lock (a killed holder's row is not a lock).
    private func liveLock(_ db: PostgresConnection) throws -> LockInfo? {
        guard let row = try db.first(LockTable.selectSQL, [], LockTable.info) else { return nil }
        if heldLockID == row.id { return row }
        return try holderSession(db) == nil ? nil : row
    }

    /// The server process (session) holding this federation's advisory lock, if any.
    private func holderSession(_ db: PostgresConnection) throws -> Int? {
        let high = Int64(UInt64(bitPattern: lockKey) >> 32), low = Int64(UInt64(bitPattern: lockKey) & 0xffff_ffff)
        return try db.first(
            """
            SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid::bigint = ?1 AND objid::bigint = ?2 AND objsubid = 1
            """, [.integer(high), .integer(low)]) { $0.int(0) }
    }

    private func checkLockForWrite(_ db: PostgresConnection) throws {
        let current = try liveLock(db)
        if let held = heldLockID {
            guard current?.id == held else { throw StateStoreError.lockLost(path: location, id: held) }
        } else if let current {
            throw LockError(path: location, holder: current, isStale: false)
        }
    }
}
