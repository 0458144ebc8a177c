import FedDigest
import FedModels
import FedOrchestrate
import FedState
import FedTrace
import Foundation

/// What the coordinator records for a closed round: the result fetched from the aggregator and
/// checked against the digest the aggregator made, both models in the model store, the round,
/// its traffic, cursors and the entering model's metrics in one state transaction, then the
/// checkpoint, in that order, so a committed round always has its model in the store.
struct RoundRecording: @unchecked Sendable {
    var run: Int
    var round: Int
    /// The final evaluation pass: no new model, only the entering one's metrics.
    var evaluateOnly: Bool
    /// The model that entered the round.
    var entering: [UInt8]
    var result: AggregatorState.RoundResult
    var outcome: RoundOutcome
    var cursors: [String: Int]
    var seconds: Double
    var rounds: Int
    var config: RunConfig
    var runDir: URL

    /// Records the round; returns the model it made (the entering one for an evaluation pass).
    func commit(client: AggregatorClient, models: ModelStore, store: any StateBackend, trace: Tracer,
                progress: (String) -> Void) throws -> [UInt8] {
        let r = round
        let next = evaluateOnly ? entering : try trace.span("result", round: r) { try client.result(round: r) }
        let (previousID, nextID) = try trace.span("modelStore", round: r) { (try models.put(entering), try models.put(next)) }
        // What arrived is what the aggregator made (it hashed it), else nothing is recorded.
        if !evaluateOnly, let made = result.resultSHA256, made != nextID {
            throw RunCoordinator.Failure(description: "run.\(run) round \(r): the model fetched from the aggregator hashes to \(nextID), but the aggregator made \(made); the round is not recorded and runs again on the next apply")
        }
        let metrics = RunCoordinator.metrics(result)
        try trace.span("stateCommit", round: r) { try store.write { tx in
            // The queue moves on every task; the planned assignment (a resource) does not.
            for (participant, cursor) in cursors { _ = try tx.setCursor(participant: participant, to: cursor) }
            // The model that entered round r is measured now: record it with its metrics.
            _ = try tx.recordModel(ModelRecord(id: previousID, run: run, round: r - 1, configHash: config.configHash,
                                               sizeBytes: entering.count, metrics: metrics.canonical, created: tx.now))
            try UsageRecorder.recordTraffic(tx, run: run, round: r, result.traffic)
            if !evaluateOnly {
                _ = try tx.recordRound(RoundRecord(run: run, round: r, participants: result.participants.count,
                                                   loss: result.loss, accuracy: result.accuracy, precision: result.precision,
                                                   recall: result.recall, f1: result.f1,
                                                   durationSeconds: seconds, committed: tx.now,
                                                   aggregation: config.hyperparameters.aggregation?.label ?? "fedavg"))
            }
        } }
        if !evaluateOnly {
            try trace.span("checkpoint", round: r) {
                var checkpoint = (try? Checkpoint.read(runDir)) ?? Checkpoint(round: 0, model: previousID)
                checkpoint.advance(to: r, model: nextID)
                try checkpoint.write(runDir)
            }
        }
        progress(RunCoordinator.line(r: r, rounds: rounds, result: result, outcome: outcome, seconds: seconds, evaluateOnly: evaluateOnly,
                                     aggregation: config.hyperparameters.aggregation?.label))
        return next
    }
}
