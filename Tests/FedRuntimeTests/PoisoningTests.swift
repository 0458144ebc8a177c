import FedHTTP
@testable import FedRuntime
import FedTrain
import FedWeights
import Foundation
import Testing
import FedTestSupport

/// Updates that cannot poison a run: each refusal is a 4xx that says why, and the round still
/// completes with the honest participants. Real HTTP on 127.0.0.1 (an aggregator served in this
/// process on an ephemeral port), real libcurl clients.
@Suite struct PoisoningTests {
    /// These tests are about what is sent, not who sends it (MutualTLSTests): the caller is the
    /// participant its Fedplane-Participant header names, the coordinator without one.
    func identify() -> AggregatorService.Identify {
        { request, _ in request.headers[AggregatorService.participantHeader].map { .participant($0) } ?? .coordinator }
    }

    /// Posts `update` for round 1 as `participant` and returns the HTTP status and text.
    func post(_ port: Int, _ participant: String, _ weights: [UInt8], samples: String, evaluation: String, round: Int = 1) async throws -> HTTPResponse {
        try await offPool {
            try raw("POST", "http://127.0.0.1:\(port)/v1/rounds/\(round)/updates", headers: [
                "Fedplane-Participant": participant,
                "Fedplane-Train-Samples": samples, "Fedplane-Evaluation": evaluation,
            ], body: weights)
        }
    }

    @Test func everyPoisonedUpdateIsRefusedAndTheRoundCompletesWithTheHonestOnes() async throws {
        let state = AggregatorState(participants: Material.participants)
        let a = try Material.honest("hospital-a"), b = try Material.honest("hospital-b")
        let okEval = evaluationHeader(a.evaluation)
        try await withAggregator(state: state, identify: identify()) { port in
            let client = AggregatorClient(base: "http://127.0.0.1:\(port)", tls: nil)
            try await offPool { try client.open(round: 1, global: Material.global) }

            var nan = a.weights
            nan.tensors[0].tensor.values[3] = .nan
            var inf = a.weights
            inf.tensors[1].tensor.values[0] = -.infinity
            var renamed = a.weights
            renamed.tensors[0].name = "linear.weights"
            var reshaped = a.weights
            reshaped.tensors[0].tensor = Tensor(shape: [reshaped.tensors[0].tensor.count], values: reshaped.tensors[0].tensor.values)
            var extra = a.weights
            extra.tensors.append((name: "backdoor", tensor: Tensor(shape: [1], values: [1])))
            var forged = a.evaluation
            forged.samples += 1000
            var overflowing = a.evaluation
            overflowing.confusion[0][0] = Int.max
            let encode: @Sendable (ModelWeights) throws -> [UInt8] = { try SafeTensors.encode($0) }

            // (participant, body, samples, evaluation, expected status, what the refusal says)
            let cases: [(String, [UInt8], String, String, Int, String)] = [
                ("hospital-c", try encode(nan), "100", okEval, 422, "non-finite"),
                ("hospital-c", try encode(inf), "100", okEval, 422, "non-finite"),
                ("hospital-c", try encode(renamed), "100", okEval, 422, "unexpected linear.weights"),
                ("hospital-c", try encode(reshaped), "100", okEval, 422, "shape"),
                ("hospital-c", try encode(extra), "100", okEval, 422, "unexpected backdoor"),
                ("hospital-c", [1, 2, 3], "100", okEval, 422, "not a valid safetensors"),
                ("zz-takeover", try encode(a.weights), "100", okEval, 403, "not a participant of this run"),
                ("hospital-c", try encode(a.weights), "\(Int.max)", okEval, 400, "sample count"),
                ("hospital-c", try encode(a.weights), "0", okEval, 400, "sample count"),
                ("hospital-c", try encode(a.weights), "100", evaluationHeader(forged), 400, "confusion matrix counts"),
                ("hospital-c", try encode(a.weights), "100", evaluationHeader(overflowing), 400, "counts must be in"),
            ]
            for (who, body, samples, eval, status, why) in cases {
                let r = try await post(port, who, body, samples: samples, evaluation: eval)
                #expect(r.status == status, "\(who) \(why): \(r.status) \(r.text)")
                #expect(r.text.contains(why), "\(r.text)")
            }
            // A refused update did not use up the participant's one contribution ...
            #expect(await state.received.isEmpty)
            // ... the honest ones count, once: a second one is refused, not a replacement.
            try await offPool {
                try client.submit(round: 1, participant: "hospital-a", update: try encode(a.weights), trainSamples: a.trainSamples, evaluation: a.evaluation)
                try client.submit(round: 1, participant: "hospital-b", update: try encode(b.weights), trainSamples: b.trainSamples, evaluation: b.evaluation)
            }
            let second = try await post(port, "hospital-a", try encode(b.weights), samples: "\(b.trainSamples)", evaluation: okEval)
            #expect(second.status == 409 && second.text.contains("the first one stands"), "\(second.text)")

            let result = try await offPool { try client.close(round: 1, minParticipants: 2) }
            #expect(result.participants == ["hospital-a", "hospital-b"])
            #expect(result.trainSamples == a.trainSamples + b.trainSamples)
            let model = try SafeTensors.decode(try await offPool { try client.result(round: 1) })
            let expected = try FedAvg.average([(weights: a.weights, samples: a.trainSamples), (weights: b.weights, samples: b.trainSamples)])
            #expect(Set(model.tensors.map(\.name)) == Set(expected.tensors.map(\.name)))
            for (name, tensor) in expected.tensors { #expect(model[name]?.values == tensor.values, "\(name)") }

            // After the close: refused, not accepted and dropped.
            let late = try await post(port, "hospital-c", try encode(a.weights), samples: "100", evaluation: okEval)
            #expect(late.status == 409 && late.text.contains("closed"), "\(late.status) \(late.text)")
            // A closed round is not reopened.
            await #expect(throws: AggregatorClient.Refused.self) { try await offPool { try client.open(round: 1, global: Material.global) } }
        }
    }

    @Test func bodiesAreBoundedByTheModelSizeAndRefusedBeforeTheyAreRead() async throws {
        let state = AggregatorState(participants: Material.participants)
        let a = try Material.honest("hospital-a")
        try await withAggregator(state: state, identify: identify()) { port in
            let client = AggregatorClient(base: "http://127.0.0.1:\(port)", tls: nil)
            try await offPool { try client.open(round: 1, global: Material.global) }
            let limit = try #require(await state.updateLimit(round: 1))
            #expect(limit < Material.global.count + 70_000, "bounded by the model's size plus a header allowance")
            // 64 MiB announced: refused on the Content-Length before the body is taken in.
            let huge = [UInt8](repeating: 0, count: 64 << 20)
            let r = try await post(port, "hospital-a", huge, samples: "10", evaluation: evaluationHeader(a.evaluation))
            #expect(r.status == 413, "\(r.status) \(r.text)")
            // The refusal did not count as hospital-a's contribution: its real update is taken.
            try await offPool {
                try client.submit(round: 1, participant: "hospital-a", update: try SafeTensors.encode(a.weights),
                                  trainSamples: a.trainSamples, evaluation: a.evaluation)
            }
            #expect(await state.received == ["hospital-a"])
        }
    }

    @Test func aNonFiniteGlobalModelIsNeverTakenOrHandedOut() async throws {
        let state = AggregatorState(participants: Material.participants)
        var bad = Material.globalWeights
        bad.tensors[0].tensor.values[0] = .nan
        await #expect(throws: AggregatorState.Failure.self) { try await state.open(round: 1, weights: try SafeTensors.encode(bad)) }
        #expect(await state.currentRound == 0)
        // A client never hands on a non-finite model it receives either.
        #expect(throws: AggregatorClient.BadModel.self) { try AggregatorClient.checked(try SafeTensors.encode(bad), "x") }
        #expect(throws: Never.self) { try AggregatorClient.checked(Material.global, "x") }
    }

    @Test func aRoundWhoseAggregateIsNotFiniteFailsAndHandsOutNothing() async throws {
        // An aggregation that yields a NaN (as a float32 overflow of finite updates could): the
        // round fails, no result exists, and the state keeps nothing of it.
        let state = AggregatorState(participants: Material.participants, aggregate: { updates, _ in
            var out = try FedAvg.average(updates)
            out.tensors[0].tensor.values[0] = .nan
            return out
        })
        try await state.open(round: 1, weights: Material.global)
        let a = try Material.honest("hospital-a")
        try await state.submit(round: 1, participant: "hospital-a", weights: try SafeTensors.encode(a.weights),
                               trainSamples: a.trainSamples, evaluation: a.evaluation)
        await #expect {
            try await state.close(round: 1, minParticipants: 1)
        } throws: { e in
            "\(e)".contains("round 1 failed") && "\(e)".contains("non-finite")
        }
        await #expect(throws: AggregatorState.Failure.self) { try await state.result(round: 1) }
    }

    @Test func aRobustRuleLimitsAFiniteButHarmfulUpdate() async throws {
        // A participant sends a finite update scaled 1000×: it passes every check (it is well
        // formed), FedAvg follows it, the coordinate-wise median and a norm clip do not.
        let a = try Material.honest("hospital-a"), b = try Material.honest("hospital-b"), c = try Material.honest("hospital-c")
        var harmful = c.weights
        for i in harmful.tensors.indices { harmful.tensors[i].tensor.values = harmful.tensors[i].tensor.values.map { $0 * 1000 } }
        func run(_ rule: AggregationRule?) async throws -> ModelWeights {
            let state = rule.map { AggregatorState(participants: Material.participants, aggregate: $0.aggregation) }
                ?? AggregatorState(participants: Material.participants)
            try await state.open(round: 1, weights: Material.global)
            for (p, u, w) in [("hospital-a", a, a.weights), ("hospital-b", b, b.weights), ("hospital-c", c, harmful)] {
                try await state.submit(round: 1, participant: p, weights: try SafeTensors.encode(w), trainSamples: u.trainSamples, evaluation: u.evaluation)
            }
            _ = try await state.close(round: 1, minParticipants: 3)
            return try SafeTensors.decode(try await state.result(round: 1))
        }
        func largest(_ m: ModelWeights) -> Float { m.tensors.flatMap(\.tensor.values).map(abs).max() ?? 0 }
        let honestLargest = max(largest(a.weights), largest(b.weights), largest(c.weights), largest(Material.globalWeights))
        #expect(largest(try await run(nil)) > 10 * honestLargest, "FedAvg follows the scaled update")
        #expect(largest(try await run(AggregationRule(method: .median))) <= honestLargest)
        #expect(largest(try await run(AggregationRule(method: .fedavg, clipNorm: 1))) <= honestLargest + 1)
    }
}
