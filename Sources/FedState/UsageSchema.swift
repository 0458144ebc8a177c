/// Schema version 5: what each run used and what the plan predicted for it.
///
/// - `round_traffic`: bytes per participant per round as the aggregator counted them (its
///   update's body received, the global model's body served); the final evaluation pass is
///   round `rounds + 1`, which has no `rounds` row, so this table hangs off `runs`.
/// - `aggregator_sessions`: each time the aggregator was started and stopped for a run (a
///   resumed run adds a session); `stopped_at` is NULL while it runs or when its process died.
/// - `run_predictions`: the plan's prediction for a run as a JSON document, written once when the
///   run first starts (a resumed run keeps the prediction it started with). No foreign key: the
///   prediction is made before the run's record.
enum UsageSchema {
    static let sqlite = """
        CREATE TABLE round_traffic (
            run         INTEGER NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            round       INTEGER NOT NULL CHECK (round >= 1),
            participant TEXT    NOT NULL,
            bytes_up    INTEGER NOT NULL CHECK (bytes_up >= 0),
            bytes_down  INTEGER NOT NULL CHECK (bytes_down >= 0),
            PRIMARY KEY (run, round, participant)
        );
        CREATE TABLE aggregator_sessions (
            run        INTEGER NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            started_at TEXT    NOT NULL,
            stopped_at TEXT,
            PRIMARY KEY (run, started_at)
        );
        CREATE TABLE run_predictions (
            run        INTEGER PRIMARY KEY CHECK (run >= 1),
            prediction TEXT    NOT NULL CHECK (json_valid(prediction)),
            created_at TEXT    NOT NULL
        );
        """

    static let postgres = """
        CREATE TABLE round_traffic (
            run         BIGINT NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            round       BIGINT NOT NULL CHECK (round >= 1),
            participant TEXT   NOT NULL,
            bytes_up    BIGINT NOT NULL CHECK (bytes_up >= 0),
            bytes_down  BIGINT NOT NULL CHECK (bytes_down >= 0),
            PRIMARY KEY (run, round, participant)
        );
        CREATE TABLE aggregator_sessions (
            run        BIGINT NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            started_at TEXT   NOT NULL,
            stopped_at TEXT,
            PRIMARY KEY (run, started_at)
        );
        CREATE TABLE run_predictions (
            run        BIGINT PRIMARY KEY CHECK (run >= 1),
            prediction TEXT   NOT NULL CHECK (prediction::jsonb IS NOT NULL),
            created_at TEXT   NOT NULL
        );
        """

    /// Schema version 6: each regional aggregator's running stretches for a run
    /// (`aggregator.regional.<n>` of a hierarchical federation), apart from `aggregator_sessions`
    /// so a flat run's records, and what reads them, stay as they were.
    static let regionalSQLite = """
        CREATE TABLE regional_aggregator_sessions (
            run        INTEGER NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            aggregator TEXT    NOT NULL,
            started_at TEXT    NOT NULL,
            stopped_at TEXT,
            PRIMARY KEY (run, aggregator, started_at)
        );
        """

    static let regionalPostgres = """
        CREATE TABLE regional_aggregator_sessions (
            run        BIGINT NOT NULL REFERENCES runs (run) ON DELETE CASCADE,
            aggregator TEXT   NOT NULL,
            started_at TEXT   NOT NULL,
            stopped_at TEXT,
            PRIMARY KEY (run, aggregator, started_at)
        );
        """
}
