@testable import FedRuntime
import FedTrain
import FedWeights
import Foundation
import Testing

/// The aggregator counts each participant's bytes per round: its update's body up, every global
/// model served to it down; a new round starts a new tally, and other callers are not counted.
@Suite struct RoundTrafficTests {
    @Test func bytesPerParticipantAreCountedPerRound() async throws {
        let state = AggregatorState(participants: Material.participants)
        try await state.open(round: 1, weights: Material.global)
        var sizes: [String: Int] = [:]
        for (i, p) in Material.participants.enumerated() {
            // The first participant fetched the model twice (a retried task).
            for _ in 0...(i == 0 ? 1 : 0) {
                await state.noteServed(round: 1, participant: p, bytes: try await state.globalBody(round: 1).readableBytes)
            }
            let u = try Material.honest(p)
            let bytes = try SafeTensors.encode(u.weights)
            sizes[p] = bytes.count
            try await state.submit(round: 1, participant: p, weights: bytes, trainSamples: u.trainSamples, evaluation: u.evaluation)
        }
        // A model served for another round is not this round's.
        await state.noteServed(round: 7, participant: Material.participants[1], bytes: 1_000)
        let result = try await state.close(round: 1, minParticipants: 3)
        let traffic = try #require(result.traffic)
        #expect(traffic.map(\.participant) == Material.participants.sorted())
        for t in traffic {
            #expect(t.bytesUp == sizes[t.participant])
            #expect(t.bytesDown == Material.global.count * (t.participant == Material.participants[0] ? 2 : 1))
        }
        // The close result travels as JSON to the coordinator with its traffic.
        let decoded = try JSONDecoder().decode(AggregatorState.RoundResult.self, from: try JSONEncoder().encode(result))
        #expect(decoded.traffic == traffic)

        // The next round counts afresh; an evaluation-only contribution sends no update bytes.
        try await state.open(round: 2, weights: try await state.result(round: 1))
        let p = Material.participants[2]
        await state.noteServed(round: 2, participant: p, bytes: 10)
        try await state.submitEvaluation(round: 2, participant: p, evaluation: try Material.honest(p).evaluation)
        let evaluation = try await state.close(round: 2, minParticipants: 1, aggregate: false)
        #expect(evaluation.traffic == [ParticipantTraffic(participant: p, bytesUp: 0, bytesDown: 10)])
    }
}
