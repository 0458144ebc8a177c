import Foundation

/// The state's tables in PostgreSQL: the same tables and columns as the SQLite schema at
/// `Schema.currentVersion` (the shared SQL in `StateTransaction` and `StateQueries` runs on
/// both), created in one step because no PostgreSQL state predates this version. Each federation
/// gets its own schema (`fedplane_<federation>`), so many federations share one database.
///
/// Rules for later versions: append a step that moves version N to N+1, like `Schema`.
enum PostgresSchema {
    static let tables = """
        CREATE TABLE meta (
            id             INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            lineage        TEXT    NOT NULL,
            serial         BIGINT  NOT NULL DEFAULT 0 CHECK (serial >= 0),
            federation     TEXT    NOT NULL,
            created_at     TEXT    NOT NULL
        );
        CREATE TABLE resources (
            address     TEXT PRIMARY KEY,
            type        TEXT NOT NULL,
            provider    TEXT NOT NULL,
            provider_id TEXT,
            attributes  TEXT NOT NULL DEFAULT '{}' CHECK (attributes::jsonb IS NOT NULL),
            inputs_hash TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE TABLE apply_journal (
            apply_id    TEXT    NOT NULL,
            step        BIGINT  NOT NULL CHECK (step >= 0),
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
            pid        BIGINT  NOT NULL,
            host       TEXT    NOT NULL,
            version    TEXT    NOT NULL,
            created_at TEXT    NOT NULL
        );
        CREATE TABLE assignments (
            participant TEXT PRIMARY KEY,
            vm_id       TEXT NOT NULL,
            reason      TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE TABLE queue_cursors (
            participant TEXT PRIMARY KEY,
            cursor      BIGINT NOT NULL CHECK (cursor >= 0)
        );
        CREATE TABLE runs (
            run         BIGINT PRIMARY KEY CHECK (run >= 1),
            config_hash TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
            started_at  TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE TABLE rounds (
            run              BIGINT NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            round            BIGINT NOT NULL CHECK (round >= 0),
            participants     BIGINT NOT NULL CHECK (participants >= 0),
            loss             DOUBLE PRECISION,
            accuracy         DOUBLE PRECISION,
            precision        DOUBLE PRECISION,
            recall           DOUBLE PRECISION,
            f1               DOUBLE PRECISION,
            duration_seconds DOUBLE PRECISION NOT NULL CHECK (duration_seconds >= 0),
            committed_at     TEXT    NOT NULL,
            aggregation      TEXT    NOT NULL DEFAULT 'fedavg',
            PRIMARY KEY (run, round)
        );
        CREATE TABLE models (
            id          TEXT    PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
            run         BIGINT  NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            round       BIGINT  NOT NULL,
            config_hash TEXT    NOT NULL,
            size_bytes  BIGINT  NOT NULL CHECK (size_bytes >= 0),
            metrics     TEXT    NOT NULL DEFAULT '{}' CHECK (metrics::jsonb IS NOT NULL),
            created_at  TEXT    NOT NULL
        );
        CREATE INDEX models_run_round ON models (run, round);
        CREATE TABLE operations (
            apply_id      TEXT    PRIMARY KEY,
            operation     TEXT    NOT NULL,
            who           TEXT    NOT NULL,
            host          TEXT    NOT NULL,
            pid           BIGINT  NOT NULL,
            version       TEXT    NOT NULL,
            plan_checksum TEXT    NOT NULL,
            plan_summary  TEXT    NOT NULL,
            started_at    TEXT    NOT NULL,
            finished_at   TEXT,
            result        TEXT    NOT NULL CHECK (result IN ('running', 'succeeded', 'failed', 'interrupted')),
            detail        TEXT
        );
        CREATE INDEX operations_started ON operations (started_at);
        """

    /// The steps after `tables` (which is schema version 4), like `Schema.migrations`: a new state
    /// runs them all at creation, an older one the ones it lacks when it is opened.
    static let steps: [Schema.Migration] = [
        Schema.Migration(version: 5, sql: UsageSchema.postgres),
        Schema.Migration(version: 6, sql: UsageSchema.regionalPostgres),
    ]

    /// Runs the steps above `version` and records the new version (inside the caller's transaction).
    static func migrate(_ db: PostgresConnection, from version: Int) throws {
        for step in steps where step.version > version { try db.execute(step.sql) }
        if version < Schema.currentVersion {
            try db.change("UPDATE meta SET schema_version = ?1 WHERE id = 1", [.int(Schema.currentVersion)])
        }
    }

    /// The federation's schema name, quoted. Names PostgreSQL would truncate (63 bytes) are
    /// shortened with a hash so two long names never share a schema.
    static func schemaName(federation: String) -> String {
        var name = "fedplane_" + federation
        if name.utf8.count > 63 {
            name = String(decoding: Array(name.utf8.prefix(46)), as: UTF8.self)
            name += "_" + String(format: "%016llx", StableHash.fnv1a("schema\u{0}" + federation))
        }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// FNV-1a: a stable 64-bit hash (Swift's Hasher is seeded per process, useless across processes).
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
