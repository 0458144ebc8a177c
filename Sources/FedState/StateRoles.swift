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
