import FedDigest
@testable import FedRuntime
import FedTrain
import FedWeights
import Foundation
import Testing

/// The aggregator averages the received bytes in place: its results must be the bytes the
/// decode-average-encode path gives (which a rule, or an update in another layout, still takes).
@Suite struct AggregatorInPlaceTests {
    func round(_ state: AggregatorState, _ updates: [(String, LocalUpdate)]) async throws -> (AggregatorState.RoundResult, [UInt8]) {
        try await state.open(round: 1, weights: Material.global)
        for (p, u) in updates {
            try await state.submit(round: 1, participant: p, weights: try SafeTensors.encode(u.weights), trainSamples: u.trainSamples, evaluation: u.evaluation)
        }
        let result = try await state.close(round: 1, minParticipants: updates.count)
        return (result, try await state.result(round: 1))
    }

    @Test func inPlaceFedAvgGivesTheSameModelAndMetricsAsDecoding() async throws {
        let updates = try Material.participants.map { ($0, try Material.honest($0)) }
        let inPlace = try await round(AggregatorState(participants: Material.participants), updates)
        let decoding = try await round(AggregatorState(participants: Material.participants, aggregate: { u, _ in try FedAvg.average(u) }), updates)
        #expect(inPlace.1 == decoding.1)
        var a = inPlace.0, b = decoding.0
        a.aggregationSeconds = 0
        b.aggregationSeconds = 0
        #expect(a == b)
        #expect(a.trainSamples == updates.reduce(0) { $0 + $1.1.trainSamples })
        #expect(try SafeTensors.decode(inPlace.1).metadata == ["fedplane.round": "1", "fedplane.participants": Material.participants.joined(separator: ",")])
    }

    @Test func theGlobalModelIsServedAsReceivedAndOnlyTheLatestResultIsKept() async throws {
        let state = AggregatorState(participants: Material.participants)
        let updates = try Material.participants.map { ($0, try Material.honest($0)) }
        let (_, first) = try await round(state, updates)
        #expect(try await state.globalModel(round: 1) == Material.global)
        try await state.open(round: 2, weights: first)
        #expect(try await state.globalModel(round: 2) == first)
        // Closing again is idempotent; its model is not kept once the next round opened.
        #expect(try await state.close(round: 1, minParticipants: 3).participants == Material.participants)
        await #expect(throws: AggregatorState.Failure.self) { try await state.result(round: 1) }
    }

    /// The next round opens from the result the aggregator made, named by its SHA-256: the same
    /// global model as sending it back; a wrong name, a result not held, or a closed round refused.
    @Test func aRoundOpensFromTheLastResultOnlyWhenItIsTheModelNamed() async throws {
        let updates = try Material.participants.map { ($0, try Material.honest($0)) }
        let state = AggregatorState(participants: Material.participants)
        let (result, first) = try await round(state, updates)
        #expect(result.resultSHA256 == SHA256.hex(first))
        func status(_ e: any Error) -> Int? { (e as? AggregatorState.Failure)?.status }
        await #expect { try await state.open(round: 2, fromResultSHA256: SHA256.hex(Material.global)) } throws: { status($0) == 409 }
        await #expect { try await state.open(round: 3, fromResultSHA256: SHA256.hex(first)) } throws: { status($0) == 404 }
        try await state.open(round: 2, fromResultSHA256: SHA256.hex(first))
        #expect(try await state.globalModel(round: 2) == first)
        // Round 1's result is still served while round 2 runs (the coordinator records it then).
        #expect(try await state.result(round: 1) == first)
        // Round 2 runs from it exactly as from the model sent back: the same result.
        let sentBack = AggregatorState(participants: Material.participants)
        try await sentBack.open(round: 2, weights: first)
        for s in [state, sentBack] {
            for (p, u) in updates {
                try await s.submit(round: 2, participant: p, weights: try SafeTensors.encode(u.weights), trainSamples: u.trainSamples, evaluation: u.evaluation)
            }
            _ = try await s.close(round: 2, minParticipants: 3)
        }
        #expect(try await state.result(round: 2) == (try await sentBack.result(round: 2)))
        // Once round 2 closed, only its result is kept.
        await #expect { try await state.result(round: 1) } throws: { status($0) == 404 }
        // A restarted aggregator holds no result: the caller is told to send the model.
        await #expect { try await AggregatorState(participants: Material.participants).open(round: 3, fromResultSHA256: SHA256.hex(first)) } throws: { status($0) == 404 }
        // Round 2 is closed: it cannot be opened again from anything.
        await #expect { try await state.open(round: 2, fromResultSHA256: SHA256.hex(first)) } throws: { status($0) != nil }
    }
}

/// The participant's split is written as CSV once per VM and run: later rounds find it.
@Suite struct AgentSplitFilesTests {
    func config(seed: UInt64) -> RunConfig {
        RunConfig(federation: "f", run: 1, trainer: .command(["true"]),
                  hyperparameters: .init(rounds: 1, epochs: 1, batchSize: 8, learningRate: 0.1, strategy: "fedavg", minParticipants: 1, seed: 7),
                  participants: Material.participants, dataSeed: seed)
    }

    @Test func theSplitIsWrittenOnceAndRewrittenForAnotherSplit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-split-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let train = dir.appendingPathComponent("train.csv")
        try Agent.writeSplit(config: config(seed: 7), participant: "p1", participantIndex: 1, to: dir)
        let first = try Data(contentsOf: train)
        let expected = try FederatedSplit(participants: 3, seed: 7).participant(1)
        #expect(String(decoding: first, as: UTF8.self) == expected.train.csvText())
        // A second round leaves the files alone (a marker proves they were not rewritten).
        try Data("kept".utf8).write(to: train)
        try Agent.writeSplit(config: config(seed: 7), participant: "p1", participantIndex: 1, to: dir)
        #expect(try Data(contentsOf: train) == Data("kept".utf8))
        // Another split (seed, participant) is written afresh.
        try Agent.writeSplit(config: config(seed: 8), participant: "p1", participantIndex: 1, to: dir)
        #expect(String(decoding: try Data(contentsOf: train), as: UTF8.self) == (try FederatedSplit(participants: 3, seed: 8).participant(1)).train.csvText())
    }
}
