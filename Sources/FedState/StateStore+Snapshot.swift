/// Reads the whole recorded world in one read transaction. Under WAL this sees a single
/// committed version even while another process writes, and takes no lock.
extension StateStore: StateReader {
    public func snapshot() throws -> StateSnapshot {
        try withDatabase { db in
            try db.transaction(.deferred) { try StateQueries.snapshot(db, location: path) }
        }
    }

    /// Just the serial (cheap; for "has the state moved since the plan?" checks).
    public func serial() throws -> Int {
        try withDatabase { try StateQueries.serial($0) }
    }
}
