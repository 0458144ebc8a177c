import Foundation

/// Training history writes. Minimal on purpose: FedRuntime and FedModels decide what to
/// record; this only keeps it consistent (foreign keys, JSON, hex ids).
extension StateTransaction {
    /// Inserts a run or updates its status/finish time.
    @discardableResult
    public func recordRun(_ run: RunRecord) throws -> Bool {
        try recordChange(
            """
            INSERT INTO runs (run, config_hash, status, started_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (run) DO UPDATE SET
                config_hash = excluded.config_hash, status = excluded.status, finished_at = excluded.finished_at
            WHERE runs.config_hash IS NOT excluded.config_hash OR runs.status IS NOT excluded.status
               OR runs.finished_at IS NOT excluded.finished_at
            """,
            [.int(run.run), .text(run.configHash), .text(run.status.rawValue),
             .text(Timestamp.string(run.started)), .text(run.finished.map(Timestamp.string))])
    }

    /// Records one round; fails (foreign key) if its run was never recorded.
    @discardableResult
    public func recordRound(_ round: RoundRecord) throws -> Bool {
        try recordChange(
            """
            INSERT INTO rounds (run, round, participants, loss, accuracy, precision, recall, f1,
                                duration_seconds, committed_at, aggregation)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            ON CONFLICT (run, round) DO UPDATE SET
                participants = excluded.participants, loss = excluded.loss, accuracy = excluded.accuracy,
                precision = excluded.precision, recall = excluded.recall, f1 = excluded.f1,
                duration_seconds = excluded.duration_seconds, committed_at = excluded.committed_at,
                aggregation = excluded.aggregation
            WHERE rounds.participants IS NOT excluded.participants OR rounds.loss IS NOT excluded.loss
               OR rounds.accuracy IS NOT excluded.accuracy OR rounds.precision IS NOT excluded.precision
               OR rounds.recall IS NOT excluded.recall OR rounds.f1 IS NOT excluded.f1
               OR rounds.duration_seconds IS NOT excluded.duration_seconds
               OR rounds.aggregation IS NOT excluded.aggregation
            """,
            [.int(round.run), .int(round.round), .int(round.participants), .real(round.loss),
             .real(round.accuracy), .real(round.precision), .real(round.recall), .real(round.f1),
             .real(round.durationSeconds), .text(Timestamp.string(round.committed)), .text(round.aggregation)])
    }

    /// Records a model. Models are content-addressed: recording the same id again is a no-op.
    @discardableResult
    public func recordModel(_ model: ModelRecord) throws -> Bool {
        try recordChange(
            """
            INSERT INTO models (id, run, round, config_hash, size_bytes, metrics, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING
            """,
            [.text(model.id), .int(model.run), .int(model.round), .text(model.configHash),
             .int(model.sizeBytes), .text(model.metrics), .text(Timestamp.string(model.created))])
    }
}
