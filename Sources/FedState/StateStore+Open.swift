import Foundation

extension StateStore {
    /// Opens the state of `federation` at `path`, creating it when `create` is true and the file
    /// is missing. An existing file is checked read-only first — damaged, foreign,
    /// newer-schema or other-federation files are refused untouched — then switched to WAL and
    /// migrated forward.
    public static func open(
        path: String, federation: String, create: Bool,
        owner: LockOwner = .current(), clock: @escaping @Sendable () -> Date = { Date() }
    ) throws -> StateStore {
        let existed = FileManager.default.fileExists(atPath: path)
        guard existed || create else { throw StateStoreError.missing(path: path) }
        // A state file emptied by a full disk or a stray `>` must not quietly restart with a
        // new lineage: only a path with no file at all is created.
        if existed, (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 {
            throw StateFileCheck.corrupted(path, detail: "the file is empty (0 bytes)")
        }
        let db = try Database(path: path, mode: existed ? .readWrite : .readWriteCreate)
        // Wait for a competing writer's transaction rather than failing with SQLITE_BUSY.
        try db.execute("PRAGMA busy_timeout = 5000")

        if existed {
            try StateFileCheck.requireHealthy(db)
            let contents = try StateFileCheck.contents(of: db)
            if contents == .empty && !create { throw StateStoreError.notAState(path: path) }
            try StateFileCheck.requireCompatible(contents, federation: federation, path: path)
        }

        // From here on the file is ours to write. WAL: readers never block the writer and a
        // killed process loses at most its uncommitted transaction. synchronous=FULL: a
        // committed journal entry survives power loss, which apply's crash recovery relies on.
        _ = try db.query("PRAGMA journal_mode = WAL") { $0.text(0) }
        try db.execute("PRAGMA synchronous = FULL")
        try db.execute("PRAGMA foreign_keys = ON")

        let identity = try Migrator.migrate(db, federation: federation, now: clock())
        return StateStore(
            database: db, federation: identity.federation, lineage: identity.lineage, owner: owner,
            clock: clock)
    }
}

extension StateStore {
    /// The federation a state file belongs to, read without changing the file (for commands given
    /// only `--state`).
    public static func federationName(atPath path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw StateStoreError.missing(path: path) }
        let db = try Database(path: path, mode: .readOnly)
        try StateFileCheck.requireHealthy(db)
        guard case .state(_, _, let federation) = try StateFileCheck.contents(of: db) else {
            throw StateStoreError.notAState(path: path)
        }
        return federation
    }
}
