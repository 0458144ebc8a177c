import FedState
import Foundation

/// Records what a run uses, for `fedplane cost`: each stretch the aggregator runs (its VM-hours)
/// and each round's bytes per participant. Recording never fails the run: a lost session end
/// shows as an open session, which `cost` names.
struct UsageRecorder {
    let store: any StateBackend
    let run: Int
    let started: Date
    /// The regional aggregators' addresses (`aggregator.regional.<n>`) of a hierarchical run: they
    /// start, restart and stop with the global one (`AggregatorGroup`), so their sessions share
    /// its times but are recorded per aggregator, each being a VM of its own to pay for.
    var regionals: [String] = []

    /// The aggregator (and the regional ones) are about to start for `run`.
    static func aggregatorStarting(_ store: any StateBackend, run: Int, regionals: [String] = []) -> UsageRecorder {
        let recorder = UsageRecorder(store: store, run: run, started: Date(), regionals: regionals)
        _ = try? store.write { tx in
            try tx.startAggregatorSession(run: run, at: recorder.started)
            for r in regionals { try tx.startRegionalAggregatorSession(run: run, aggregator: r, at: recorder.started) }
        }
        return recorder
    }

    /// The aggregator (and the regional ones) have stopped.
    func aggregatorStopped() {
        let now = Date()
        _ = try? store.write { tx in
            try tx.stopAggregatorSession(run: run, startedAt: started, at: now)
            for r in regionals { try tx.stopRegionalAggregatorSession(run: run, aggregator: r, startedAt: started, at: now) }
        }
    }

    /// The round's bytes, in the round's own transaction.
    static func recordTraffic(_ tx: StateTransaction, run: Int, round: Int, _ traffic: [ParticipantTraffic]?) throws {
        for t in traffic ?? [] {
            _ = try tx.recordTraffic(TrafficRecord(run: run, round: round, participant: t.participant, bytesUp: t.bytesUp, bytesDown: t.bytesDown))
        }
    }
}
