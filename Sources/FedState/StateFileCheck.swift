import CSQLite
import Foundation

/// Read-only checks run before fedplane writes anything to an existing file. Everything here
/// only reads, so a damaged, foreign or newer file is reported exactly as it was found.
enum StateFileCheck {
    /// What an existing file holds.
    enum Contents: Equatable {
        /// A database with no tables (a new or zero-byte file).
        case empty
        case state(version: Int, lineage: String, federation: String)
    }

    /// Runs SQLite's `quick_check` (page structure, not index contents: O(pages), fast enough
    /// for every open) and turns corruption into an actionable error.
    static func requireHealthy(_ db: Database) throws {
        let findings: [String]
        do {
            findings = try db.query("PRAGMA quick_check(5)") { $0.text(0) }
        } catch let error as DatabaseError where error.isCorruption {
            throw corrupted(db.path, detail: error.message)
        }
        guard findings == ["ok"] else {
            throw corrupted(db.path, detail: findings.joined(separator: "; "))
        }
    }

    static func corrupted(_ path: String, detail: String) -> StateStoreError {
        let files = FileManager.default
        return .corrupted(
            path: path, detail: detail,
            backupExists: files.fileExists(atPath: path + ".backup"),
            sidecarsExist: files.fileExists(atPath: path + "-wal") || files.fileExists(atPath: path + "-shm"))
    }

    /// Reads the identity without assuming anything beyond the `meta` columns every schema
    /// version keeps (schema_version, lineage, federation).
    static func contents(of db: Database) throws -> Contents {
        do {
            let tables = try db.query("SELECT name FROM sqlite_schema WHERE type = 'table'") { $0.text(0) }
            if tables.isEmpty { return .empty }
            guard tables.contains("meta") else { throw StateStoreError.notAState(path: db.path) }
            let row = try db.queryOne("SELECT schema_version, lineage, federation FROM meta LIMIT 1") {
                Contents.state(version: $0.int(0), lineage: $0.text(1), federation: $0.text(2))
            }
            guard let row else { throw StateStoreError.notAState(path: db.path) }
            return row
        } catch let error as DatabaseError where error.isCorruption {
            throw corrupted(db.path, detail: error.message)
        }
    }

    /// The refusals that depend only on what the file says about itself.
    static func requireCompatible(_ contents: Contents, federation: String, path: String) throws {
        guard case .state(let version, _, let recorded) = contents else { return }
        guard version <= Schema.currentVersion else {
            throw StateStoreError.newerSchema(path: path, found: version, known: Schema.currentVersion)
        }
        guard recorded == federation else {
            throw StateStoreError.federationMismatch(path: path, recorded: recorded, requested: federation)
        }
    }
}
