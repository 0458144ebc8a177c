import Foundation

/// The writer lock: a row in the `lock` table, taken and released inside IMMEDIATE
/// transactions so two processes can never both see "unlocked" and both insert.
extension StateStore: StateLocker {
    /// Takes the lock for `operation`. While someone else holds it, retries with backoff
    /// (100 ms doubling to 2 s) until `timeout`; a zero timeout fails at once. A stale lock
    /// (holder gone from this host) fails at once: it never frees itself.
    @discardableResult
    public func lock(operation: String, timeout: Duration = .zero) throws -> LockInfo {
        if isReadOnly { throw StateStoreError.readOnly(path: path, needs: "\(operation) (it takes the state lock)") }
        let info = LockInfo(
            id: UUID().uuidString.lowercased(), operation: operation, who: owner.who,
            pid: owner.pid, host: owner.host, version: owner.version, created: clock())
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(100)
        while true {
            let failure: Error
            do {
                try insertLock(info)
                return info
            } catch let error as LockError {
                if error.isStale { throw error }
                failure = error
            } catch let error as DatabaseError where error.isBusy {
                failure = error  // a long write held SQLite's lock past busy_timeout
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw failure }
            Thread.sleep(forTimeInterval: min(delay, remaining).seconds)
            delay = min(delay * 2, .seconds(2))
        }
    }

    private func insertLock(_ info: LockInfo) throws {
        try withDatabase { db in
            try db.transaction(.immediate) {
                if let holder = try LockTable.read(db) { throw lockError(holder) }
                try LockTable.insert(info, into: db)
            }
            heldLockID = info.id
        }
    }

    /// Releases the lock this store took with `lock`.
    public func unlock(_ id: String) throws {
        try withDatabase { db in
            try db.transaction(.immediate) {
                let current = try LockTable.read(db)
                guard heldLockID == id else {
                    throw StateStoreError.notLockHolder(path: path, id: id, current: current)
                }
                heldLockID = nil
                guard current?.id == id else { throw StateStoreError.lockLost(path: path, id: id) }
                try LockTable.delete(db)
            }
        }
    }

    /// Releases the lock whose id is `id`, whoever holds it. The id must match so a typo or an
    /// old id cannot release a lock someone else took since. A holder still running on this host
    /// is refused unless `force` (it would go on writing, racing the next writer).
    /// Returns the released lock.
    @discardableResult
    public func forceUnlock(_ id: String, force: Bool = false) throws -> LockInfo {
        if isReadOnly { throw StateStoreError.readOnly(path: path, needs: "force-unlock") }
        return try withDatabase { db in
            try db.transaction(.immediate) {
                let current = try LockTable.read(db)
                guard let current, current.id == id else {
                    throw StateStoreError.lockIDMismatch(path: path, id: id, current: current)
                }
                if !force && current.host == owner.host && current.pid != owner.pid && ProcessLiveness.isAlive(current.pid) {
                    throw StateStoreError.holderAlive(path: path, holder: current)
                }
                try LockTable.delete(db)
                if heldLockID == id { heldLockID = nil }
                return current
            }
        }
    }

    /// Releases the lock this store holds, if any (for a process that must stop early).
    public func releaseHeldLock() {
        guard let id = (try? withDatabase { _ in heldLockID }) ?? nil else { return }
        try? unlock(id)
    }

    public func currentLock() throws -> LockInfo? {
        try withDatabase { try LockTable.read($0) }
    }

    /// Called inside a write transaction: someone else's lock blocks writes; so does losing ours.
    func checkLockForWrite(_ db: Database) throws {
        let current = try LockTable.read(db)
        if let held = heldLockID {
            guard current?.id == held else { throw StateStoreError.lockLost(path: path, id: held) }
        } else if let current {
            throw lockError(current)
        }
    }

    func lockError(_ holder: LockInfo) -> LockError {
        let stale = holder.host == owner.host && !ProcessLiveness.isAlive(holder.pid)
        return LockError(path: path, holder: holder, isStale: stale)
    }
}

extension Duration {
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
