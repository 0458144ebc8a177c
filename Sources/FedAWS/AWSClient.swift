import FedHTTP
import Foundation

/// A failed AWS call: which API call, and what the cloud answered (HTTP status, error code,
/// message, request id), or why no answer came (unreachable, TLS, dropped, timed out).
public struct AWSAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case api, unreachable, tls, dropped, timeout, malformed }

    public var kind: Kind
    public var service: String
    public var action: String
    public var endpoint: String
    public var status: Int?
    public var code: String
    public var message: String
    public var requestID: String?
    public var retryable: Bool
    public var retryAfter: Double?
    /// Attempts made before giving up (1 when the first answer was final).
    public var attempts: Int = 1

    public var description: String {
        var s: String
        switch kind {
        case .api: s = "\(service) \(action): HTTP \(status ?? 0) \(code): \(message)"
        case .unreachable: s = "\(service) \(action): endpoint \(endpoint) unreachable: \(message)"
        case .tls: s = "\(service) \(action): TLS failure talking to \(endpoint): \(message)"
        case .dropped: s = "\(service) \(action): the connection to \(endpoint) was dropped before an answer: \(message)"
        case .timeout: s = "\(service) \(action): no answer from \(endpoint) in time: \(message)"
        case .malformed: s = "\(service) \(action): unreadable answer from \(endpoint): \(message)"
        }
        if let requestID { s += " (request id \(requestID))" }
        if attempts > 1 { s += " after \(attempts) attempts" }
        return s
    }

    /// What the error means for the credential, in the user's words; nil when it is not about it.
    public var credentialMeaning: String? {
        switch code {
        case "InvalidClientTokenId", "UnrecognizedClientException": return "unknown access key: AWS does not know this key id (deleted, mistyped, or from another partition)"
        case "SignatureDoesNotMatch": return "wrong secret: the secret access key does not match the key id"
        case "AuthFailure": return "AWS was not able to validate the credentials (unknown key or wrong secret)"
        case "ExpiredToken", "ExpiredTokenException", "RequestExpired": return "expired session token: get new temporary credentials"
        case "InvalidToken": return "the session token is not valid"
        case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
            return "no permission: the key is valid but its policy does not allow \(action)"
        default: return nil
        }
    }

    static let throttlingCodes: Set<String> = ["Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled",
                                                "TooManyRequestsException", "RequestThrottledException", "SlowDown", "ServiceUnavailable",
                                                "InternalError", "InternalFailure", "Unavailable"]
}

/// AWS's query protocol (EC2, STS, IAM): a form-encoded POST signed with SigV4, an XML answer.
/// Retries throttling, 5xx and dropped connections with `RetryPolicy`; any other error is final.
public struct AWSClient: Sendable {
    public var region: String
    public var credentials: AWSCredentials
    /// The override from the spec (an emulator or a private endpoint); nil: AWS's public one.
    public var endpointOverride: CloudEndpoint?
    public var http: CloudHTTP
    public var retry: RetryPolicy
    public var sleep: @Sendable (Double) -> Void

    public init(region: String, credentials: AWSCredentials, endpointOverride: CloudEndpoint?, http: CloudHTTP = CloudHTTP(),
                retry: RetryPolicy = RetryPolicy(), sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.region = region
        self.credentials = credentials
        self.endpointOverride = endpointOverride
        self.http = http
        self.retry = retry
        self.sleep = sleep
    }

    public func endpoint(for service: String) -> CloudEndpoint {
        if let endpointOverride { return endpointOverride }
        // A region name is [a-z0-9-], so this always parses.
        return try! CloudEndpoint("https://\(service).\(region).amazonaws.com")
    }

    /// Python's `urlencode` form (what moto re-derives when it checks a signature, and what AWS
    /// accepts): unreserved bytes literal, space as `+`, everything else `%XX`.
    public static func formEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if SigV4.unreserved.contains(b) { out.unicodeScalars.append(UnicodeScalar(b)) } else if b == 0x20 { out += "+" } else { out += String(format: "%%%02X", b) }
        }
        return out
    }

    public static func formBody(_ params: [(String, String)]) -> String {
        params.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
    }

    /// One API call, retried as the policy allows. `beforeRetry` runs before each new attempt
    /// after a retryable failure; when it returns an answer, that answer is used instead of
    /// sending again (a create that may have happened looks for its result first).
    public func call(service: String, action: String, version: String, params: [(String, String)] = [],
                     beforeRetry: ((AWSAPIError) throws(AWSAPIError) -> XMLNode?)? = nil) throws(AWSAPIError) -> XMLNode {
        let started = Date()
        var attempt = 0
        while true {
            do {
                return try once(service: service, action: action, version: version, params: params)
            } catch var e {
                e.attempts = attempt + 1
                guard e.retryable, let wait = retry.delay(after: attempt, elapsed: Date().timeIntervalSince(started), retryAfter: e.retryAfter,
                                                          random: Double.random(in: 0...1)) else { throw e }
                sleep(wait)
                attempt += 1
                if let beforeRetry, let found = try beforeRetry(e) { return found }
            }
        }
    }

    func once(service: String, action: String, version: String, params: [(String, String)]) throws(AWSAPIError) -> XMLNode {
        let endpoint = endpoint(for: service)
        let body = Array(Self.formBody([("Action", action), ("Version", version)] + params).utf8)
        var request = SigV4.Request(method: "POST", path: "/", headers: [
            ("Host", endpoint.hostHeader), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        ], body: body)
        SigV4.sign(&request, credentials: credentials, scope: SigV4.Scope(region: region, service: service))
        var headers: [String: String] = [:]
        for h in request.headers { headers[h.name] = h.value }
        func error(_ kind: AWSAPIError.Kind, status: Int? = nil, code: String, message: String, requestID: String? = nil,
                   retryable: Bool, retryAfter: Double? = nil) -> AWSAPIError {
            AWSAPIError(kind: kind, service: service, action: action, endpoint: endpoint.description, status: status, code: code,
                        message: message, requestID: requestID, retryable: retryable, retryAfter: retryAfter)
        }
        let response: HTTPResponse
        do {
            response = try http.send("POST", endpoint, headers: headers, body: body)
        } catch let e {
            if e.isTLSFailure { throw error(.tls, code: "TLS", message: e.message, retryable: false) }
            if e.isDropped { throw error(.dropped, code: "ConnectionDropped", message: e.message, retryable: true) }
            if e.isTimeout { throw error(.timeout, code: "Timeout", message: e.message, retryable: true) }
            if e.isNotConnected { throw error(.unreachable, code: "Unreachable", message: e.message, retryable: e.code == 7) }
            throw error(.unreachable, code: "Transfer", message: "\(e.message) (curl error \(e.code))", retryable: false)
        }
        let headerRequestID = response.headers["x-amzn-requestid"] ?? response.headers["x-amz-request-id"]
        let xml = try? XMLNode.parse(response.text)
        let requestID = headerRequestID ?? xml?.value("RequestId") ?? xml?.value("RequestID") ?? xml?.value("requestId")
        if (200..<300).contains(response.status) {
            guard let xml else {
                throw error(.malformed, status: response.status, code: "Malformed", message: "not XML: \(response.text.prefix(200))",
                            requestID: requestID, retryable: false)
            }
            return xml
        }
        // Auth errors come as <ErrorResponse>, EC2's others as <Response><Errors>: Code and Message anywhere.
        let code = xml?.value("Error", "Code") ?? xml?.value("Code") ?? "HTTP\(response.status)"
        let message = xml?.value("Error", "Message") ?? xml?.value("Message") ?? String(response.text.prefix(200))
        let retryable = response.status >= 500 || response.status == 429 || AWSAPIError.throttlingCodes.contains(code)
        throw error(.api, status: response.status, code: code, message: message, requestID: requestID, retryable: retryable,
                    retryAfter: RetryPolicy.retryAfter(response.headers))
    }
}
