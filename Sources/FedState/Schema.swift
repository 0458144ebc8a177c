/// The state file's schema as an ordered list of forward migrations. Step N moves a file
/// from version N-1 to N; `meta.schema_version` records how far a file has come.
///
/// Rules for future steps: only append, never edit a released step (files in the field were
/// built by it), and keep `meta.schema_version` where it is — older fedplanes read it to
/// refuse files they do not understand.
enum Schema {
    struct Migration: Sendable {
        let version: Int
        let sql: String
    }

    static var currentVersion: Int { migrations.count }

    static let migrations: [Migration] = [
        Migration(version: 1, sql: version1),
        Migration(version: 2, sql: version2),
        Migration(version: 3, sql: version3),
        Migration(version: 4, sql: version4),
        Migration(version: 5, sql: version5),
        Migration(version: 6, sql: version6),
    ]

    /// Identity, managed resources, the apply journal and the writer lock.
    static let version1 = """
        CREATE TABLE meta (
            id             INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            lineage        TEXT    NOT NULL,
            serial         INTEGER NOT NULL DEFAULT 0 CHECK (serial >= 0),
            federation     TEXT    NOT NULL,
            created_at     TEXT    NOT NULL
        );
        CREATE TABLE resources (
            address     TEXT PRIMARY KEY,
            type        TEXT NOT NULL,
            provider    TEXT NOT NULL,
            provider_id TEXT,
            attributes  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
            inputs_hash TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE TABLE apply_journal (
            apply_id    TEXT    NOT NULL,
            step        INTEGER NOT NULL CHECK (step >= 0),
            address     TEXT    NOT NULL,
            action      TEXT    NOT NULL,
            status      TEXT    NOT NULL CHECK (status IN ('started', 'succeeded', 'failed')),
            started_at  TEXT    NOT NULL,
            finished_at TEXT,
            error       TEXT,
            PRIMARY KEY (apply_id, step)
        );
        CREATE INDEX apply_journal_status ON apply_journal (status);
        CREATE TABLE lock (
            id         INTEGER PRIMARY KEY CHECK (id = 1),
            lock_id    TEXT    NOT NULL,
            operation  TEXT    NOT NULL,
            who        TEXT    NOT NULL,
            pid        INTEGER NOT NULL,
            host       TEXT    NOT NULL,
            version    TEXT    NOT NULL,
            created_at TEXT    NOT NULL
        );
        """

    /// The VM orchestrator's placement and circular-queue positions.
    static let version2 = """
        CREATE TABLE assignments (
            participant TEXT PRIMARY KEY,
            vm_id       TEXT NOT NULL,
            reason      TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE TABLE queue_cursors (
            participant TEXT PRIMARY KEY,
            cursor      INTEGER NOT NULL CHECK (cursor >= 0)
        );
        """

    /// Training history: runs, their rounds, and content-addressed global models.
    static let version3 = """
        CREATE TABLE runs (
            run         INTEGER PRIMARY KEY CHECK (run >= 1),
            config_hash TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
            started_at  TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE TABLE rounds (
            run              INTEGER NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            round            INTEGER NOT NULL CHECK (round >= 0),
            participants     INTEGER NOT NULL CHECK (participants >= 0),
            loss             REAL,
            accuracy         REAL,
            precision        REAL,
            recall           REAL,
            f1               REAL,
            duration_seconds REAL    NOT NULL CHECK (duration_seconds >= 0),
            committed_at     TEXT    NOT NULL,
            PRIMARY KEY (run, round)
        );
        CREATE TABLE models (
            id          TEXT    PRIMARY KEY CHECK (length(id) = 64 AND NOT id GLOB '*[^0-9a-f]*'),
            run         INTEGER NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            round       INTEGER NOT NULL,
            config_hash TEXT    NOT NULL,
            size_bytes  INTEGER NOT NULL CHECK (size_bytes >= 0),
            metrics     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
            created_at  TEXT    NOT NULL
        );
        CREATE INDEX models_run_round ON models (run, round);
        """

    /// The audit trail: one row per apply or destroy — who ran it, from which host, which plan
    /// (its checksum, the one a saved plan file carries) and how it ended. Its steps are the
    /// `apply_journal` rows with the same `apply_id`. And how each round combined its updates
    /// (`fedavg` for the rounds of earlier versions, which had nothing else).
    static let version4 = """
        CREATE TABLE operations (
            apply_id      TEXT    PRIMARY KEY,
            operation     TEXT    NOT NULL,
            who           TEXT    NOT NULL,
            host          TEXT    NOT NULL,
            pid           INTEGER NOT NULL,
            version       TEXT    NOT NULL,
            plan_checksum TEXT    NOT NULL,
            plan_summary  TEXT    NOT NULL,
            started_at    TEXT    NOT NULL,
            finished_at   TEXT,
            result        TEXT    NOT NULL CHECK (result IN ('running', 'succeeded', 'failed', 'interrupted')),
            detail        TEXT
        );
        CREATE INDEX operations_started ON operations (started_at);
        ALTER TABLE rounds ADD COLUMN aggregation TEXT NOT NULL DEFAULT 'fedavg';
        """

    /// What runs used and what was predicted for them (`fedplane cost`; see `UsageRecords`).
    static let version5 = UsageSchema.sqlite
    static let version6 = UsageSchema.regionalSQLite
}
