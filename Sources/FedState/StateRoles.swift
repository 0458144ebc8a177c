/// Small role protocols (OpenTofu's statemgr Reader/Writer/Locker), so callers depend only on
/// what they use and every store implementation can run the same conformance suite.
public protocol StateReader: Sendable {
    /// A consistent view of the whole state.
    func snapshot() throws -> StateSnapshot
}

public protocol StateWriter: Sendable {
    /// Runs `body` as one atomic change; the serial moves once if anything changed.
    @discardableResult
    func write<T>(_ body: (StateTransaction) throws -> T) throws -> T
}

public protocol StateLocker: Sendable {
    /// Takes the writer lock, waiting up to `timeout` while someone else holds it.
    func lock(operation: String, timeout: Duration) throws -> LockInfo
    /// Releases a lock this store took.
    func unlock(_ id: String) throws
    /// Releases whatever lock has this id, whoever took it (the `force-unlock` command).
    @discardableResult func forceUnlock(_ id: String, force: Bool) throws -> LockInfo
    func currentLock() throws -> LockInfo?
}

public typealias FullStateStore = StateReader & StateWriter & StateLocker

/// The history a store keeps beside the recorded world: the apply journal, the audit trail and
/// training records.
public protocol StateHistory: Sendable {
    func journal(applyID: String) throws -> [JournalEntry]
    func unfinishedJournalSteps() throws -> [JournalEntry]
    func operations() throws -> [OperationRecord]
    func runs() throws -> [RunRecord]
    func rounds(run: Int) throws -> [RoundRecord]
    func models(run: Int) throws -> [ModelRecord]
}

/// One federation's state in some backend (a SQLite file, a PostgreSQL database): what the
/// planner, the applier and the CLI use, so none of them knows which backend it has.
public protocol StateBackend: FullStateStore, StateHistory, StateUsage, AnyObject {
    var federation: String { get }
    /// Fixed at creation; never changes for the life of the state.
    var lineage: String { get }
    var owner: LockOwner { get }
    /// Where the state is, for messages: a file path, or a PostgreSQL URL with its password masked.
    var location: String { get }
    var isReadOnly: Bool { get }
    /// Just the serial (cheap; for "has the state moved since the plan?" checks).
    func serial() throws -> Int
    /// A copy of the state as it was, taken before an apply's first step; returns where it is,
    /// or nil where the backend has its own backups (PostgreSQL: the server's).
    @discardableResult func backupBeforeApply() throws -> String?
    /// Releases the lock this store holds, if any (for a process that must stop early).
    func releaseHeldLock()
    /// Closes the connection; later calls throw. A held lock is not released by this call
    /// (with PostgreSQL it ends with the session).
    func close()
}
