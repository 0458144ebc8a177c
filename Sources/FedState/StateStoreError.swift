/// Why a state file could not be opened or changed. Each case names the file and says what
/// to do next; none of these paths ever modifies the file.
public enum StateStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `create: false` and there is no file.
    case missing(path: String)
    /// Not a database, truncated, or failing SQLite's checks. `detail` is sqlite's finding.
    case corrupted(path: String, detail: String, backupExists: Bool, sidecarsExist: Bool)
    /// A valid SQLite file that is not a fedplane state (no `meta` table or row).
    case notAState(path: String)
    /// Written by a newer fedplane whose schema this build does not know.
    case newerSchema(path: String, found: Int, known: Int)
    /// The spec names a different federation than the one recorded in the file.
    case federationMismatch(path: String, recorded: String, requested: String)
    /// `unlock(id)` with an id this store does not hold.
    case notLockHolder(path: String, id: String, current: LockInfo?)
    /// `forceUnlock(id)` with an id that is not the current lock.
    case lockIDMismatch(path: String, id: String, current: LockInfo?)
    /// This store held a lock that someone else released (force-unlock) meanwhile.
    case lockLost(path: String, id: String)
    /// A journal step was finished that was never started.
    case unknownJournalStep(applyID: String, step: Int)
    /// The state was opened read-only (its directory cannot be written); `needs` is what was refused.
    case readOnly(path: String, needs: String)
    /// `forceUnlock` of a lock whose holder still runs on this host, without `force`.
    case holderAlive(path: String, holder: LockInfo)
    /// A new state file could not be put in place (`operation` is the system call).
    case cannotCreate(path: String, operation: String, detail: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "state file \(path) does not exist"
        case .corrupted(let path, let detail, let backupExists, let sidecarsExist):
            var text = "state file \(path) is damaged or not a fedplane state (\(detail)); it was left untouched; "
            text += "restore from \(path).backup with: cp \(path).backup \(path)"
            if sidecarsExist { text += " (and remove the stale \(path)-wal and \(path)-shm first)" }
            if !backupExists { text += ". Note: no backup exists at \(path).backup" }
            return text
        case .notAState(let path):
            return "\(path) is an SQLite database but not a fedplane state file (no meta record); it was left untouched"
        case .newerSchema(let path, let found, let known):
            return "state file \(path) was written by a newer fedplane (schema \(found), this one knows \(known)); upgrade fedplane to use it"
        case .federationMismatch(let path, let recorded, let requested):
            return "state file \(path) belongs to federation \"\(recorded)\", but the spec names \"\(requested)\"; "
                + "use the state file of \"\(requested)\" or restore the name in the spec (a renamed federation is not migrated silently)"
        case .notLockHolder(let path, let id, let current):
            return "cannot unlock \(path) with lock ID \(id): this process does not hold it"
                + (current.map { "; current lock: \($0.summary)" } ?? "; the state is not locked")
        case .lockIDMismatch(let path, let id, let current):
            return "cannot force-unlock \(path): lock ID \(id) "
                + (current.map { "does not match the current lock (\($0.summary))" } ?? "is not held; the state is not locked")
        case .lockLost(let path, let id):
            return "the lock \(id) on \(path) was released by someone else (force-unlock?) while this process held it; refusing to write"
        case .readOnly(let path, let needs):
            return "state file \(path) is read-only here (its directory or file cannot be written), so fedplane cannot do \(needs); "
                + "reading commands (plan, show, models list) work, changes need a writable copy or mount"
        case .holderAlive(let path, let holder):
            return "refusing to force-unlock \(path): the lock holder, pid \(holder.pid) (operation \(holder.operation)), is still running on \(holder.host); "
                + "releasing its lock would let another writer race it. Stop it first (kill \(holder.pid)), or run again with --force if you are sure"
        case .cannotCreate(let path, let operation, let detail):
            return "cannot create state file \(path): \(operation) failed (\(detail)); nothing was written there"
        case .unknownJournalStep(let applyID, let step):
            return "apply \(applyID) has no journal step \(step) to finish"
        }
    }
}
