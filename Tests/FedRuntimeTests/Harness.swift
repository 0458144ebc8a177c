import FedHTTP
import FedRuntime
import FedTrain
import FedWeights
import Foundation
import Testing

/// A round's material: the global model the built-in logistic trainer starts from, and honest
/// updates of it (really trained on each participant's split).
enum Material {
    static let participants = ["hospital-a", "hospital-b", "hospital-c"]
    static let trainer = BuiltinTrainerKind.logistic.make(for: .wdbc)
    static let globalWeights: ModelWeights = trainer.initialWeights(seed: 7)
    static let global: [UInt8] = try! SafeTensors.encode(globalWeights)

    static func honest(_ participant: String, round: Int = 1) throws -> LocalUpdate {
        let index = participants.firstIndex(of: participant) ?? 0
        let data = try FederatedSplit(participants: participants.count, seed: 7).participant(index)
        let context = RoundContext(round: round, participant: participant, participantIndex: index,
                                   participants: participants.count, epochs: 1, batchSize: 32, learningRate: 0.05,
                                   seed: RoundContext.taskSeed(runSeed: 7, round: round, participantIndex: index), dataDirectory: nil)
        return try trainer.runRound(global: globalWeights, data: data, context: context)
    }
}

/// A real HTTP call with what libcurl sends, for requests the typed client would never make.
func raw(_ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
         tls: ClientTLS? = nil) throws -> HTTPResponse {
    try CurlClient(timeoutSeconds: 90, tls: tls).request(method, url, headers: headers, body: body)
}

func evaluationHeader(_ e: Evaluation) -> String {
    String(decoding: try! JSONEncoder().encode(e), as: UTF8.self)
}

/// Runs `body` with an aggregator served in this process; stops it afterwards, also on failure.
func withAggregator<T>(state: AggregatorState, identify: @escaping AggregatorService.Identify, tls: ServerTLS? = nil,
                       _ body: (Int) async throws -> T) async throws -> T {
    let server = try await AggregatorService.start(state: state, identify: identify, tls: tls)
    do {
        let out = try await body(server.port)
        await server.stop()
        return out
    } catch {
        await server.stop()
        throw error
    }
}

