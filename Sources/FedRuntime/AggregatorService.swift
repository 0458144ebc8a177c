import FedTrain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The aggregator's HTTP API (Hummingbird). Every call but `/v1/health` needs the run's bearer
/// token; participants send weights and metrics, never data.
///
///     GET  /v1/health                       → {"round": n, "received": [...]}
///     PUT  /v1/rounds/{r}/global            (coordinator) open round r with this global model
///     GET  /v1/rounds/{r}/global            (agents) the global model, safetensors
///     POST /v1/rounds/{r}/updates           (agents) an update; headers Fedplane-Participant,
///                                           Fedplane-Train-Samples, Fedplane-Evaluation (JSON)
///     POST /v1/rounds/{r}/evaluations       (agents) only an evaluation of the global model
///     POST /v1/rounds/{r}/close?min=k       (coordinator) FedAvg + metrics → JSON
///                                           (&evaluateOnly=1: metrics of the global model only)
///     GET  /v1/rounds/{r}/result            the new global model, safetensors
public enum AggregatorService {
    public static let participantHeader = HTTPField.Name("Fedplane-Participant")!
    public static let samplesHeader = HTTPField.Name("Fedplane-Train-Samples")!
    public static let evaluationHeader = HTTPField.Name("Fedplane-Evaluation")!
    static let maxModelBytes = 1 << 30

    struct Health: ResponseEncodable {
        var round: Int
        var received: [String]
    }

    public static func router(state: AggregatorState, token: String) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/v1/health") { _, _ in
            Health(round: await state.currentRound, received: await state.received)
        }
        let rounds = router.group("/v1/rounds").add(middleware: BearerToken(token: token))
        rounds.put("/:round/global") { request, context -> HTTPResponse.Status in
            let r = try context.parameters.require("round", as: Int.self)
            try await mapped { try await state.open(round: r, weights: try await bytes(request)) }
            return .noContent
        }
        rounds.get("/:round/global") { _, context -> Response in
            let r = try context.parameters.require("round", as: Int.self)
            return model(try await mapped { try await state.globalModel(round: r) })
        }
        rounds.post("/:round/updates") { request, context -> HTTPResponse.Status in
            let r = try context.parameters.require("round", as: Int.self)
            guard let participant = request.headers[participantHeader], !participant.isEmpty else {
                throw HTTPError(.badRequest, message: "missing header Fedplane-Participant")
            }
            guard let samples = request.headers[samplesHeader].flatMap(Int.init) else {
                throw HTTPError(.badRequest, message: "missing or invalid header Fedplane-Train-Samples")
            }
            guard let json = request.headers[evaluationHeader],
                  let evaluation = try? JSONDecoder().decode(Evaluation.self, from: Data(json.utf8)) else {
                throw HTTPError(.badRequest, message: "missing or invalid header Fedplane-Evaluation")
            }
            let body = try await bytes(request)
            try await mapped {
                try await state.submit(round: r, participant: participant, weights: body, trainSamples: samples, evaluation: evaluation)
            }
            return .accepted
        }
        rounds.post("/:round/evaluations") { request, context -> HTTPResponse.Status in
            let r = try context.parameters.require("round", as: Int.self)
            guard let participant = request.headers[participantHeader], !participant.isEmpty,
                  let json = request.headers[evaluationHeader],
                  let evaluation = try? JSONDecoder().decode(Evaluation.self, from: Data(json.utf8)) else {
                throw HTTPError(.badRequest, message: "needs headers Fedplane-Participant and Fedplane-Evaluation")
            }
            try await mapped { try await state.submitEvaluation(round: r, participant: participant, evaluation: evaluation) }
            return .accepted
        }
        rounds.post("/:round/close") { request, context -> AggregatorState.RoundResult in
            let r = try context.parameters.require("round", as: Int.self)
            let minimum = request.uri.queryParameters.get("min", as: Int.self) ?? 1
            let aggregate = request.uri.queryParameters.get("evaluateOnly") != "1"
            return try await mapped { try await state.close(round: r, minParticipants: minimum, aggregate: aggregate) }
        }
        rounds.get("/:round/result") { _, context -> Response in
            let r = try context.parameters.require("round", as: Int.self)
            return model(try await mapped { try await state.result(round: r) })
        }
        return router
    }

    /// Serves on 127.0.0.1:`port` until SIGTERM/SIGINT; `onReady` runs once it listens.
    public static func serve(port: Int, token: String, state: AggregatorState = AggregatorState(),
                             onReady: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: router(state: state, token: token),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "fedplane-aggregator"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? port) })
        try await app.runService()
    }

    static func bytes(_ request: Request) async throws -> [UInt8] {
        let buffer = try await request.body.collect(upTo: maxModelBytes)
        return Array(buffer.readableBytesView)
    }

    static func model(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The state's failures as HTTP errors with their status.
    static func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let f as AggregatorState.Failure {
            throw HTTPError(HTTPResponse.Status(code: f.status), message: f.description)
        } catch let e as HTTPError {
            throw e
        } catch {
            throw HTTPError(.badRequest, message: "\(error)")
        }
    }
}

extension AggregatorState.RoundResult: ResponseEncodable {}

/// Refuses calls without the run's bearer token.
struct BearerToken: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let auth = request.headers[.authorization], auth.hasPrefix("Bearer "),
              Self.equal(Array(auth.utf8.dropFirst(7)), Array(token.utf8)) else {
            throw HTTPError(.unauthorized, message: "a valid run token is required")
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so timing does not tell how much of a token was right.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
