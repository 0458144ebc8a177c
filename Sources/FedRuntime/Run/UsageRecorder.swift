import FedState
import Foundation

/// Records what a run uses, for `fedplane cost`: each stretch the aggregator runs (its VM-hours)
/// and each round's bytes per participant. Recording never fails the run: a lost session end
/// shows as an open session, which `cost` names.
struct UsageRecorder {
    let store: any StateBackend
    let run: Int
    let started: Date

    /// The aggregator is about to start for `run`.
    static func aggregatorStarting(_ store: any StateBackend, run: Int) -> UsageRecorder {
        let recorder = UsageRecorder(store: store, run: run, started: Date())
        _ = try? store.write { try $0.startAggregatorSession(run: run, at: recorder.started) }
        return recorder
    }

    /// The aggregator has stopped.
    func aggregatorStopped() {
        let now = Date()
        _ = try? store.write { try $0.stopAggregatorSession(run: run, startedAt: started, at: now) }
    }

    /// The round's bytes, in the round's own transaction.
    static func recordTraffic(_ tx: StateTransaction, run: Int, round: Int, _ traffic: [ParticipantTraffic]?) throws {
        for t in traffic ?? [] {
            _ = try tx.recordTraffic(TrafficRecord(run: run, round: round, participant: t.participant, bytesUp: t.bytesUp, bytesDown: t.bytesDown))
        }
    }
}
