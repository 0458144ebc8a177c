import FedHTTP
import FedTrain
import FedWeights
import Foundation

/// The aggregator's API from the outside (agents and the coordinator), over libcurl.
public struct AggregatorClient: Sendable {
    public let base: String
    let http: CurlClient

    /// With `tls`, the client proves who it is with its certificate and trusts only the
    /// federation CA for the aggregator (the aggregator serves nothing else).
    public init(base: String, tls: ClientTLS?, timeoutSeconds: Double = 120) {
        self.base = base
        http = CurlClient(timeoutSeconds: timeoutSeconds, tls: tls)
    }

    /// A refusal by the aggregator, with what it said.
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public var call: String
        public var status: Int
        public var message: String
        public var description: String { "aggregator refused \(call): HTTP \(status) \(message)" }
    }

    func call(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil) throws -> HTTPResponse {
        let r = try http.request(method, base + path, headers: headers, body: body)
        guard (200..<300).contains(r.status) else { throw Refused(call: "\(method) \(path)", status: r.status, message: r.text) }
        return r
    }

    public func health() throws -> Int {
        let r = try http.request("GET", base + "/v1/health")
        struct Health: Decodable { var round: Int }
        return try JSONDecoder().decode(Health.self, from: Data(r.body)).round
    }

    public func open(round: Int, global: [UInt8]) throws { _ = try call("PUT", "/v1/rounds/\(round)/global", body: global) }

    /// Opens `round` with the previous round's result, named by its SHA-256, where the aggregator
    /// made it. False when the aggregator no longer holds it (restarted): open with the model then.
    public func open(round: Int, fromResultSHA256 sha256: String) throws -> Bool {
        do {
            _ = try call("POST", "/v1/rounds/\(round)/open?from-result=\(sha256)", body: [])
            return true
        } catch let refused as Refused where refused.status == 404 {
            return false
        }
    }

    /// The round's global model; refused unless it is a valid model with finite values.
    public func global(round: Int) throws -> [UInt8] { try Self.checked(try call("GET", "/v1/rounds/\(round)/global").body, "the global model of round \(round)") }

    public func submit(round: Int, participant: String, update: [UInt8], trainSamples: Int, evaluation: Evaluation) throws {
        _ = try call("POST", "/v1/rounds/\(round)/updates", headers: [
            "Fedplane-Participant": participant, "Fedplane-Train-Samples": "\(trainSamples)",
            "Fedplane-Evaluation": String(decoding: try JSONEncoder().encode(evaluation), as: UTF8.self),
        ], body: update)
    }

    /// `submit` with the update's safetensors bytes where they lie (a mapped file): not copied.
    public func submit(round: Int, participant: String, update: UnsafeRawBufferPointer, trainSamples: Int, evaluation: Evaluation) throws {
        let path = "/v1/rounds/\(round)/updates"
        let r = try http.request("POST", base + path, headers: [
            "Fedplane-Participant": participant, "Fedplane-Train-Samples": "\(trainSamples)",
            "Fedplane-Evaluation": String(decoding: try JSONEncoder().encode(evaluation), as: UTF8.self),
        ], body: update)
        guard (200..<300).contains(r.status) else { throw Refused(call: "POST \(path)", status: r.status, message: r.text) }
    }

    /// The round's global model streamed into the file at `path` (never held whole in memory),
    /// then checked where it lies: refused (and removed) unless it is a valid model with finite values.
    public func downloadGlobal(round: Int, toFile path: String) throws {
        let call = "/v1/rounds/\(round)/global"
        let r = try http.download("GET", base + call, toFile: path)
        guard (200..<300).contains(r.status) else { throw Refused(call: "GET \(call)", status: r.status, message: r.text) }
        do {
            let file = try MappedFile(path: path)
            try ModelCheck.finiteInPlace(try SafeTensors.header(file.bytes), file.bytes)
        } catch {
            unlink(path)
            throw BadModel(description: "the global model of round \(round) is refused: \(error)")
        }
    }

    public func submitEvaluation(round: Int, participant: String, evaluation: Evaluation) throws {
        _ = try call("POST", "/v1/rounds/\(round)/evaluations", headers: [
            "Fedplane-Participant": participant,
            "Fedplane-Evaluation": String(decoding: try JSONEncoder().encode(evaluation), as: UTF8.self),
        ], body: [])
    }

    public func close(round: Int, minParticipants: Int, evaluateOnly: Bool = false) throws -> AggregatorState.RoundResult {
        let r = try call("POST", "/v1/rounds/\(round)/close?min=\(minParticipants)\(evaluateOnly ? "&evaluateOnly=1" : "")", body: [])
        return try JSONDecoder().decode(AggregatorState.RoundResult.self, from: Data(r.body))
    }

    /// The round's new global model; refused unless it is a valid model with finite values, so a
    /// bad model is never stored or checkpointed.
    public func result(round: Int) throws -> [UInt8] { try Self.checked(try call("GET", "/v1/rounds/\(round)/result").body, "the result of round \(round)") }

    /// A model received from the aggregator that does not decode or has a non-finite value.
    public struct BadModel: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    static func checked(_ bytes: [UInt8], _ what: String) throws -> [UInt8] {
        do {
            // Checked where the bytes lie: a model is never decoded just to be looked at.
            try bytes.withUnsafeBytes { try ModelCheck.finiteInPlace(try SafeTensors.header($0), $0) }
        } catch {
            throw BadModel(description: "\(what) is refused: \(error)")
        }
        return bytes
    }
}
