import CSQLite
import Foundation

extension Database {
    /// Copies this database into `destination` with SQLite's online backup API: a consistent
    /// copy even while other connections write. The copy goes to a temporary file first and is
    /// renamed into place, so an interrupted backup never replaces a good backup with half a file.
    public func backup(to destination: String) throws {
        let temporary = destination + ".tmp-\(getpid())"
        removeDatabaseFiles(at: temporary)
        do {
            try copyPages(into: temporary)
            guard rename(temporary, destination) == 0 else {
                throw DatabaseError(
                    code: SQLITE_IOERR, message: String(cString: strerror(errno)),
                    operation: "rename \(temporary) → \(destination)", path: path)
            }
        } catch {
            removeDatabaseFiles(at: temporary)
            throw error
        }
    }

    private func copyPages(into file: String) throws {
        let target = try Database(path: file, mode: .readWriteCreate)
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw target.error(SQLITE_OK, operation: "sqlite3_backup_init")
        }
        // One step copies every page; BUSY/LOCKED would mean the source is mid-checkpoint.
        var rc = sqlite3_backup_step(backup, -1)
        while rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
            sqlite3_sleep(20)
            rc = sqlite3_backup_step(backup, -1)
        }
        let finish = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE, finish == SQLITE_OK else {
            throw target.error(rc == SQLITE_DONE ? finish : rc, operation: "sqlite3_backup_step")
        }
        // Fold any WAL into the file so the renamed copy is self-contained.
        try target.execute("PRAGMA journal_mode=DELETE")
    }

    private func removeDatabaseFiles(at file: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(file + suffix) }
    }
}
