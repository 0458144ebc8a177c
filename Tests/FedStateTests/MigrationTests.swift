import Foundation
import Testing

@testable import FedState

@Suite struct MigrationTests {
    /// The version-1 layout exactly as released, written by hand so later edits to `Schema`
    /// cannot silently change what "a v1 file" means here.
    static let version1File = """
        PRAGMA journal_mode = DELETE;
        CREATE TABLE meta (
            id INTEGER PRIMARY KEY CHECK (id = 1), schema_version INTEGER NOT NULL, lineage TEXT NOT NULL,
            serial INTEGER NOT NULL DEFAULT 0 CHECK (serial >= 0), federation TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE resources (
            address TEXT PRIMARY KEY, type TEXT NOT NULL, provider TEXT NOT NULL, provider_id TEXT,
            attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)), inputs_hash TEXT NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE apply_journal (
            apply_id TEXT NOT NULL, step INTEGER NOT NULL CHECK (step >= 0), address TEXT NOT NULL,
            action TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed')),
            started_at TEXT NOT NULL, finished_at TEXT, error TEXT, PRIMARY KEY (apply_id, step));
        CREATE INDEX apply_journal_status ON apply_journal (status);
        CREATE TABLE lock (
            id INTEGER PRIMARY KEY CHECK (id = 1), lock_id TEXT NOT NULL, operation TEXT NOT NULL,
            who TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, version TEXT NOT NULL,
            created_at TEXT NOT NULL);
        INSERT INTO meta VALUES (1, 1, '6f1c2a52-4c5e-4f39-9a51-3f0f7f5f3e01', 7, 'fed', '2024-01-02T03:04:05.000Z');
        INSERT INTO resources VALUES ('aggregator.main', 'aggregator', 'aws', 'i-0abc', '{"region":"eu-west-1"}',
            'h1', '2024-01-02T03:04:05.000Z', '2024-01-02T03:04:05.000Z');
        INSERT INTO apply_journal VALUES ('apply-1', 0, 'aggregator.main', 'create', 'succeeded',
            '2024-01-02T03:04:05.000Z', '2024-01-02T03:04:06.000Z', NULL);
        """

    @Test func version1FileIsMigratedForward() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            do {
                let db = try Database(path: path, mode: .readWriteCreate)
                try db.execute(Self.version1File)
            }

            let store = try StateStore.open(path: path, federation: "fed", create: false)
            #expect(store.lineage == "6f1c2a52-4c5e-4f39-9a51-3f0f7f5f3e01")
            let snapshot = try store.snapshot()
            #expect(snapshot.serial == 7)  // migrating is not a change of the recorded world
            #expect(snapshot.resources.map(\.providerID) == ["i-0abc"])
            #expect(try store.journal(applyID: "apply-1").map(\.status) == [.succeeded])

            // Tables from versions 2 and 3 exist and work.
            try store.write { tx in
                try tx.setAssignment(participant: "a", vmID: "vm-1", reason: "only active VM")
                try tx.recordRun(RunRecord(run: 1, configHash: "c", status: .running, started: fixedDate))
            }
            #expect(try store.serial() == 8)
            #expect(try store.runs().map(\.run) == [1])
            store.close()

            let db = try Database(path: path)
            let version = try db.queryOne("SELECT schema_version FROM meta") { $0.int(0) }
            #expect(version == StateStore.schemaVersion)
            #expect(try db.queryOne("PRAGMA journal_mode") { $0.text(0) } == "wal")
        }
    }

    @Test func migrationsAreOrderedAndComplete() {
        #expect(Schema.migrations.map(\.version) == Array(1...Schema.currentVersion))
    }

    @Test func newerSchemaIsRefusedUntouched() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            try makePopulatedState(at: path, count: 5)
            do {
                let db = try Database(path: path)
                try db.execute("UPDATE meta SET schema_version = 99")
            }
            let bytes = try fileBytes(path)

            let error = #expect(throws: StateStoreError.self) {
                _ = try StateStore.open(path: path, federation: "fed", create: true)
            }
            let known = StateStore.schemaVersion
            #expect(error == .newerSchema(path: path, found: 99, known: known))
            #expect(
                error?.description.hasPrefix(
                    "state file \(path) was written by a newer fedplane (schema 99, this one knows \(known))") == true)
            #expect(try fileBytes(path) == bytes)
        }
    }
}
