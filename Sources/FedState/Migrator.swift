import Foundation

/// Brings a file up to `Schema.currentVersion` (or creates it) in one IMMEDIATE transaction,
/// so a crash mid-migration leaves the old version intact and two processes opening a new
/// file at once end up with one lineage.
enum Migrator {
    /// Returns the file's identity after migrating.
    static func migrate(
        _ db: Database, federation: String, now: Date
    ) throws -> (lineage: String, federation: String) {
        try db.transaction(.immediate) {
            // Re-read inside the write lock: another process may have created or migrated it.
            let contents = try StateFileCheck.contents(of: db)
            try StateFileCheck.requireCompatible(contents, federation: federation, path: db.path)
            let version: Int
            if case .state(let found, _, _) = contents { version = found } else { version = 0 }

            for migration in Schema.migrations where migration.version > version {
                try db.execute(migration.sql)
            }
            if version == 0 {
                try db.run(
                    """
                    INSERT INTO meta (id, schema_version, lineage, serial, federation, created_at)
                    VALUES (1, ?1, ?2, 0, ?3, ?4)
                    """,
                    [.int(Schema.currentVersion), .text(UUID().uuidString.lowercased()),
                     .text(federation), .text(Timestamp.string(now))])
            } else if version < Schema.currentVersion {
                // Migrating is not a change of the recorded world: serial stays.
                try db.run("UPDATE meta SET schema_version = ?1", [.int(Schema.currentVersion)])
            }
            let identity = try db.queryOne("SELECT lineage, federation FROM meta LIMIT 1") {
                (lineage: $0.text(0), federation: $0.text(1))
            }
            guard let identity else { throw StateStoreError.notAState(path: db.path) }
            return identity
        }
    }
}
