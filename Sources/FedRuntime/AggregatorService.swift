import FedTrace
import FedTrain
import FedWeights
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore

/// Who is calling the aggregator: fedplane itself (the coordinator), one participant, or (for
/// the global aggregator of a hierarchical federation) a regional aggregator posting its round.
public enum Caller: Sendable, Equatable, CustomStringConvertible {
    case coordinator
    case participant(String)
    case regional(String)

    public var description: String {
        switch self {
        case .coordinator: return "the coordinator"
        case .participant(let name): return "participant \(name)"
        case .regional(let name): return "regional aggregator \(name)"
        }
    }

    /// The name it contributes under: a participant's own name, `regional:<name>` for a regional
    /// aggregator (a colon is never in a participant's name, so the two cannot collide).
    public var contributorName: String? {
        switch self {
        case .coordinator: return nil
        case .participant(let name): return name
        case .regional(let name): return "regional:\(name)"
        }
    }
}

/// The request context of the aggregator: Hummingbird's, plus the connection it came on (whose
/// TLS handshake tells who the caller is).
public struct AggregatorContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The aggregator's HTTP API (Hummingbird). Every call but `/v1/health` needs a caller the
/// `identify` function recognises; participants send weights and metrics, never data.
///
///     GET  /v1/health                       → {"round": n, "received": [...]}
///     PUT  /v1/rounds/{r}/global            (coordinator) open round r with this global model
///     POST /v1/rounds/{r}/open?from-result=H (coordinator) open round r with round r − 1's result,
///                                           whose SHA-256 is H (404 when not held: PUT the model)
///     GET  /v1/rounds/{r}/global            (participants, coordinator) the global model, safetensors
///     POST /v1/rounds/{r}/updates           (a participant, its own) an update; headers
///                                           Fedplane-Train-Samples, Fedplane-Evaluation (JSON)
///     POST /v1/rounds/{r}/evaluations       (a participant, its own) only an evaluation of the global model
///     POST /v1/rounds/{r}/close?min=k       (coordinator) FedAvg + metrics → JSON
///                                           (&evaluateOnly=1: metrics of the global model only)
///     GET  /v1/rounds/{r}/result            (coordinator) the new global model, safetensors
///
/// Every refusal is a 4xx whose text says why, and is logged with the caller.
public enum AggregatorService {
    public static let participantHeader = HTTPField.Name("Fedplane-Participant")!
    public static let samplesHeader = HTTPField.Name("Fedplane-Train-Samples")!
    public static let evaluationHeader = HTTPField.Name("Fedplane-Evaluation")!
    /// The most a global model sent by the coordinator may take.
    static let maxModelBytes = 1 << 30

    public typealias Identify = @Sendable (Request, AggregatorContext) async throws -> Caller

    struct Health: ResponseEncodable {
        var round: Int
        var received: [String]
    }

    public static func router(state: AggregatorState, identify: @escaping Identify, parent: ParentLink? = nil,
                              log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        -> Router<AggregatorContext> {
        let router = Router(context: AggregatorContext.self)
        router.get("/v1/health") { _, _ in
            Health(round: await state.currentRound, received: await state.received)
        }
        let rounds = router.group("/v1/rounds")

        /// Runs `body` for an identified caller; refusals are logged with who and why.
        @Sendable func guarded<T: Sendable>(_ request: Request, _ context: AggregatorContext, _ what: String,
                                            _ body: (Caller, Int) async throws -> T) async throws -> T {
            var caller: Caller?
            do {
                let c = try await identify(request, context)
                caller = c
                let r = try context.parameters.require("round", as: Int.self)
                return try await mapped { try await body(c, r) }
            } catch let e as HTTPError {
                log("refused \(what) from \(caller.map(\.description) ?? "an unidentified caller"): HTTP \(e.status.code) \(e.body ?? "")")
                throw e
            }
        }
        @Sendable func requireCoordinator(_ c: Caller) throws {
            guard c == .coordinator else { throw HTTPError(.forbidden, message: "only the coordinator may do this; \(c) may not") }
        }
        /// The participant a contribution is from: the caller itself. A header naming someone
        /// else is refused (a participant may only post its own update and evaluation).
        @Sendable func contributor(_ c: Caller, _ request: Request) throws -> String {
            guard let name = c.contributorName else {
                throw HTTPError(.forbidden, message: "only a participant may send updates and evaluations")
            }
            if let claimed = request.headers[participantHeader], claimed != name {
                throw HTTPError(.forbidden, message: "participant \(name) may not post as \(claimed)")
            }
            return name
        }

        rounds.put("/:round/global") { request, context -> HTTPResponse.Status in
            try await guarded(request, context, "PUT global") { c, r in
                try requireCoordinator(c)
                try await Tracer(role: "aggregator").span("openRound", round: r) {
                    try await state.open(round: r, body: try await body(request, limit: maxModelBytes))
                }
                return .noContent
            }
        }
        rounds.post("/:round/open") { request, context -> HTTPResponse.Status in
            try await guarded(request, context, "open from the last result") { c, r in
                try requireCoordinator(c)
                guard let digest = request.uri.queryParameters.get("from-result") else {
                    throw HTTPError(.badRequest, message: "missing from-result (the SHA-256 of round \(r - 1)'s result)")
                }
                _ = try await body(request, limit: 0)
                try await Tracer(role: "aggregator").span("openRound", round: r) {
                    try await state.open(round: r, fromResultSHA256: String(digest))
                }
                return .noContent
            }
        }
        rounds.get("/:round/global") { request, context -> Response in
            try await guarded(request, context, "GET global") { c, r in
                if let name = c.contributorName { try await state.mayRead(participant: name) }
                let global = try await state.globalBody(round: r)
                if let name = c.contributorName { await state.noteServed(round: r, participant: name, bytes: global.readableBytes) }
                return model(global)
            }
        }
        rounds.post("/:round/updates") { request, context -> HTTPResponse.Status in
            try await guarded(request, context, "an update") { c, r in
                let participant = try contributor(c, request)
                // Refused before the body is read: a caller that may not contribute, or a body
                // larger than the global model (+ a header) can be.
                try await state.admit(round: r, participant: participant)
                guard let limit = await state.updateLimit(round: r) else {
                    throw HTTPError(.conflict, message: "round \(r) takes no updates")
                }
                guard let samples = request.headers[samplesHeader].flatMap(Int.init) else {
                    throw HTTPError(.badRequest, message: "missing or invalid header Fedplane-Train-Samples")
                }
                let evaluation = try parseEvaluation(request)
                let trace = Tracer(role: "aggregator", participant: participant)
                let received = try await trace.span("receiveUpdate", round: r) { try await body(request, limit: limit) }
                try await trace.span("checkUpdate", round: r) {
                    try await state.submit(round: r, participant: participant, body: received, trainSamples: samples, evaluation: evaluation)
                }
                return .accepted
            }
        }
        rounds.post("/:round/evaluations") { request, context -> HTTPResponse.Status in
            try await guarded(request, context, "an evaluation") { c, r in
                let participant = try contributor(c, request)
                try await state.admit(round: r, participant: participant)
                let evaluation = try parseEvaluation(request)
                _ = try await body(request, limit: 0)
                try await state.submitEvaluation(round: r, participant: participant, evaluation: evaluation)
                return .accepted
            }
        }
        rounds.post("/:round/close") { request, context -> AggregatorState.RoundResult in
            try await guarded(request, context, "close") { c, r in
                try requireCoordinator(c)
                let minimum = request.uri.queryParameters.get("min", as: Int.self) ?? 1
                let aggregate = request.uri.queryParameters.get("evaluateOnly") != "1"
                let result = try await Tracer(role: "aggregator").span("aggregate", round: r) {
                    try await state.close(round: r, minParticipants: minimum, aggregate: aggregate)
                }
                // A regional aggregator passes the closed round up as one contribution.
                try await parent?.post(round: r, result: result, state: state, evaluateOnly: !aggregate)
                return result
            }
        }
        rounds.get("/:round/result") { request, context -> Response in
            try await guarded(request, context, "GET result") { c, r in
                try requireCoordinator(c)
                return model(try await state.resultBody(round: r))
            }
        }
        return router
    }

    static func parseEvaluation(_ request: Request) throws -> Evaluation {
        guard let json = request.headers[evaluationHeader],
              let evaluation = try? JSONDecoder().decode(Evaluation.self, from: Data(json.utf8)) else {
            throw HTTPError(.badRequest, message: "missing or invalid header Fedplane-Evaluation")
        }
        return evaluation
    }

    /// The body, refused with 413 once it is longer than `limit`: at once when Content-Length
    /// says so, else as soon as more has arrived (never buffered beyond the limit).
    /// The body is kept as the ByteBuffer it arrived in (no copy into an array).
    static func body(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw HTTPError(.contentTooLarge, message: "the body has \(length) bytes, more than the \(limit) allowed")
        }
        // Sized from Content-Length once (a model body is never grown and copied while it
        // arrives), and refused as soon as it runs past the limit.
        let length = request.headers[.contentLength].flatMap(Int.init)
        var buffer = ByteBufferAllocator().buffer(capacity: min(max(length ?? 0, 0), limit))
        for try await chunk in request.body {
            guard buffer.readableBytes + chunk.readableBytes <= limit else {
                throw HTTPError(.contentTooLarge, message: "the body is longer than the \(limit) bytes allowed")
            }
            buffer.writeImmutableBuffer(chunk)
        }
        return buffer
    }

    /// A model response; the buffer is shared with the state, not copied. It is written in
    /// slices (views of the same storage): TLS then encrypts and sends one slice while the next
    /// waits for the socket, instead of encrypting the whole model before the first byte leaves.
    static func model(_ buffer: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                 body: ResponseBody(contentLength: buffer.readableBytes) { writer in
                     // One write (and flush) per slice: each waits until the socket takes more.
                     for slice in slices(buffer) { try await writer.write(slice) }
                     try await writer.finish(nil)
                 })
    }

    static let sliceBytes = 1 << 20

    static func slices(_ buffer: ByteBuffer) -> [ByteBuffer] {
        stride(from: 0, to: buffer.readableBytes, by: sliceBytes).map {
            buffer.getSlice(at: buffer.readerIndex + $0, length: min(sliceBytes, buffer.readableBytes - $0))!
        }
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

extension AggregatorService {
    /// Serves on `bind`:`port` (0: any free port) until SIGTERM/SIGINT; `onReady` runs once it listens.
    public static func serve(port: Int, bind: String = "127.0.0.1", state: AggregatorState, identify: @escaping Identify, tls: ServerTLS? = nil,
                             parent: ParentLink? = nil, onReady: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(port: port, bind: bind, state: state, identify: identify, tls: tls, parent: parent, onReady: onReady).runService()
    }

    static func application(port: Int, bind: String = "127.0.0.1", state: AggregatorState, identify: @escaping Identify, tls: ServerTLS?,
                            parent: ParentLink? = nil, onReady: @escaping @Sendable (Int) async -> Void) throws -> some ApplicationProtocol {
        let configuration = ApplicationConfiguration(address: .hostname(bind, port: port), serverName: "fedplane-aggregator")
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), configuration: try $0.channelConfiguration()) } ?? .http1()
        return Application(router: router(state: state, identify: identify, parent: parent), server: server, configuration: configuration,
                           onServerRunning: { channel in await onReady(channel.localAddress?.port ?? port) })
    }

    /// An aggregator served in this process (tests): `stop()` ends it.
    public final class Running: Sendable {
        public let port: Int
        let task: Task<Void, any Error>

        init(port: Int, task: Task<Void, any Error>) {
            self.port = port
            self.task = task
        }

        /// Stops serving and waits until the listener is closed.
        public func stop() async {
            task.cancel()
            _ = await task.result
        }
    }

    /// Starts serving on an ephemeral 127.0.0.1 port and returns once it listens.
    public static func start(state: AggregatorState, identify: @escaping Identify, tls: ServerTLS? = nil, parent: ParentLink? = nil) async throws -> Running {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try application(port: 0, state: state, identify: identify, tls: tls, parent: parent) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            _ = await task.result
            throw HTTPError(.internalServerError, message: "the aggregator did not start")
        }
        return Running(port: port, task: task)
    }
}

extension AggregatorState.RoundResult: ResponseEncodable {}
