import FedHTTP
import FedTrain
import Foundation

/// The aggregator's API from the outside (agents and the coordinator), over libcurl.
public struct AggregatorClient: Sendable {
    public let base: String
    let token: String
    let http: CurlClient

    public init(base: String, token: String, timeoutSeconds: Double = 120) {
        self.base = base
        self.token = token
        http = CurlClient(timeoutSeconds: timeoutSeconds)
    }

    /// A refusal by the aggregator, with what it said.
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public var call: String
        public var status: Int
        public var message: String
        public var description: String { "aggregator refused \(call): HTTP \(status) \(message)" }
    }

    var auth: [String: String] { ["Authorization": "Bearer \(token)"] }

    func call(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil) throws -> HTTPResponse {
        let r = try http.request(method, base + path, headers: auth.merging(headers) { a, _ in a }, body: body)
        guard (200..<300).contains(r.status) else { throw Refused(call: "\(method) \(path)", status: r.status, message: r.text) }
        return r
    }

    public func health() throws -> Int {
        let r = try http.request("GET", base + "/v1/health")
        struct Health: Decodable { var round: Int }
        return try JSONDecoder().decode(Health.self, from: Data(r.body)).round
    }

    public func open(round: Int, global: [UInt8]) throws { _ = try call("PUT", "/v1/rounds/\(round)/global", body: global) }

    public func global(round: Int) throws -> [UInt8] { try call("GET", "/v1/rounds/\(round)/global").body }

    public func submit(round: Int, participant: String, update: [UInt8], trainSamples: Int, evaluation: Evaluation) throws {
        _ = try call("POST", "/v1/rounds/\(round)/updates", headers: [
            "Fedplane-Participant": participant, "Fedplane-Train-Samples": "\(trainSamples)",
            "Fedplane-Evaluation": String(decoding: try JSONEncoder().encode(evaluation), as: UTF8.self),
        ], body: update)
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

    public func result(round: Int) throws -> [UInt8] { try call("GET", "/v1/rounds/\(round)/result").body }
}
