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
        if !existed { try createFile(path: path, federation: federation, now: clock()) }
        let db = try Database(path: path, mode: .readWrite)
        // Wait for a competing writer's transaction rather than failing with SQLITE_BUSY.
        try db.execute("PRAGMA busy_timeout = 5000")

        try StateFileCheck.requireHealthy(db)
        let contents = try StateFileCheck.contents(of: db)
        if contents == .empty && !create { throw StateStoreError.notAState(path: path) }
        try StateFileCheck.requireCompatible(contents, federation: federation, path: path)

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
    /// Creates a new state file with its schema and identity under a temporary name and links
    /// it into place, so `path` never exists half-made: a crash (or a reader such as
    /// `sqlite3`) between SQLite creating the file and the first commit would otherwise leave
    /// a 0-byte file, which `open` refuses as damaged. `link` never replaces a state another
    /// process created meanwhile; that one is then used.
    static func createFile(path: String, federation: String, now: Date) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).new-\(getpid())-\(UUID().uuidString.prefix(8))").path
        defer {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(temporary + suffix) }
        }
        do {
            // The default rollback journal: nothing is tied to the temporary name once closed.
            let db = try Database(path: temporary, mode: .readWriteCreate)
            try db.execute("PRAGMA synchronous = FULL")
            _ = try Migrator.migrate(db, federation: federation, now: now)
            // WAL is recorded in the file itself: whoever opens it next finds it in WAL already,
            // so no opener has to switch a file another one may be reading.
            _ = try db.query("PRAGMA journal_mode = WAL") { $0.text(0) }
        }
        if link(temporary, path) != 0 {
            switch errno {
            case EEXIST: return
            case EPERM, EOPNOTSUPP, EMLINK:
                // A file system without hard links: rename, unless the state appeared meanwhile.
                if !FileManager.default.fileExists(atPath: path), rename(temporary, path) != 0 {
                    throw StateStoreError.cannotCreate(path: path, operation: "rename", detail: String(cString: strerror(errno)))
                }
            default:
                throw StateStoreError.cannotCreate(path: path, operation: "link", detail: String(cString: strerror(errno)))
            }
        }
        // The new name must survive a power loss like the file's contents.
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            Glibc.close(fd)
        }
    }
}

extension StateStore {
    /// Opens an existing state for commands that only read it (plan, show, models). Where the
    /// state or its directory cannot be written (a read-only mount, an immutable file), it is
    /// opened read-only instead of failing: a clean state without `-wal` as immutable (SQLite
    /// then needs no `-shm`), one with a `-wal` read-only with it. Such a store refuses writes
    /// and locks with `StateStoreError.readOnly`.
    public static func openForReading(
        path: String, federation: String,
        owner: LockOwner = .current(), clock: @escaping @Sendable () -> Date = { Date() }
    ) throws -> StateStore {
        do {
            return try open(path: path, federation: federation, create: false, owner: owner, clock: clock)
        } catch let error as DatabaseError where error.isNotWritable {
            return try openReadOnly(path: path, federation: federation, owner: owner, clock: clock)
        } catch let error as StateStoreError {
            // A corruption report for what is really "cannot create the -shm" on a read-only mount.
            guard case .corrupted = error, !canWrite(beside: path) else { throw error }
            return try openReadOnly(path: path, federation: federation, owner: owner, clock: clock)
        }
    }

    static func openReadOnly(path: String, federation: String, owner: LockOwner,
                             clock: @escaping @Sendable () -> Date) throws -> StateStore {
        let immutable = !FileManager.default.fileExists(atPath: path + "-wal")
        let db = try Database(path: path, mode: .readOnlyFile(immutable: immutable))
        try StateFileCheck.requireHealthy(db)
        let contents = try StateFileCheck.contents(of: db)
        try StateFileCheck.requireCompatible(contents, federation: federation, path: path)
        guard case .state(let version, let lineage, let recorded) = contents else { throw StateStoreError.notAState(path: path) }
        guard version == Schema.currentVersion else { throw StateStoreError.readOnly(path: path, needs: "migrating it to this fedplane's schema") }
        let store = StateStore(database: db, federation: recorded, lineage: lineage, owner: owner, clock: clock)
        store.isReadOnly = true
        return store
    }

    /// Whether a file can be created next to `path` (SQLite's `-wal` and `-shm` go there).
    static func canWrite(beside path: String) -> Bool {
        let probe = path + ".probe-\(getpid())"
        let fd = Foundation.open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return false }
        _ = Foundation.close(fd)
        unlink(probe)
        return true
    }

    /// The federation a state file belongs to, read without changing the file (for commands given
    /// only `--state`).
    public static func federationName(atPath path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw StateStoreError.missing(path: path) }
        // Immutable when there is no -wal: the name is fixed at creation, and a read-only
        // directory (where SQLite could not create the -shm) reads as well as any other.
        let db = try Database(path: path, mode: .readOnlyFile(immutable: !FileManager.default.fileExists(atPath: path + "-wal")))
        try StateFileCheck.requireHealthy(db)
        guard case .state(_, _, let federation) = try StateFileCheck.contents(of: db) else {
            throw StateStoreError.notAState(path: path)
        }
        return federation
    }
}
