import Foundation

/// Where a cloud API lives, checked before any request: HTTPS, or plain HTTP only for a loopback
/// host (an emulator on this machine) or when the user set `insecure` and was warned about it.
public struct CloudEndpoint: Sendable, Equatable, CustomStringConvertible {
    public let url: URL
    public let host: String
    /// Plain HTTP to a host that is not loopback, allowed by an explicit insecure setting.
    public let insecure: Bool

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notAURL(String)
        case plainHTTP(String)

        public var description: String {
            switch self {
            case .notAURL(let s): return "endpoint \(s) is not an http(s) URL with a host"
            case .plainHTTP(let s):
                return "endpoint \(s) uses plain http to a host that is not loopback; use https, or set FEDPLANE_INSECURE_ENDPOINTS=1 to send credentials-signed requests unencrypted"
            }
        }
    }

    public init(_ text: String, allowInsecure: Bool = false) throws(Problem) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              scheme == "https" || scheme == "http" else { throw .notAURL(text) }
        let loopback = Self.isLoopback(host)
        if scheme == "http" && !loopback && !allowInsecure { throw .plainHTTP(text) }
        self.url = url
        self.host = host
        self.insecure = scheme == "http" && !loopback
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// The Host header value: host, plus the port when the URL names one.
    public var hostHeader: String { url.port.map { "\(host):\($0)" } ?? host }

    public var description: String { url.absoluteString }
}

/// Capped exponential backoff with full jitter (a uniform wait in [0, min(cap, base·2^n)]), bounded
/// in attempts and total time; a server's `Retry-After` is waited at least.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    /// No new attempt starts once this much time has passed since the first.
    public var maxTotal: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.2, maxDelay: Double = 5, maxTotal: Double = 60) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotal = maxTotal
    }

    /// How long to wait before attempt `attempt + 1` (attempt counts from 0), or nil when the
    /// budget (attempts or total time) is spent.
    public func delay(after attempt: Int, elapsed: Double, retryAfter: Double?, random: Double) -> Double? {
        guard attempt + 1 < maxAttempts else { return nil }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt)))
        var wait = ceiling * min(max(random, 0), 1)
        if let retryAfter { wait = max(wait, min(retryAfter, maxTotal)) }
        guard elapsed + wait < maxTotal else { return nil }
        return wait
    }

    /// `Retry-After` in seconds (the HTTP-date form is rare for APIs and read as absent).
    public static func retryAfter(_ headers: [String: String]) -> Double? {
        headers["retry-after"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }.map { max(0, $0) }
    }
}

/// The one HTTP path of every cloud provider: a checked endpoint, timeouts, a user agent with the
/// version, TLS verification left on (libcurl's default, never switched off here).
public struct CloudHTTP: Sendable {
    /// Kept in step with `Fedplane.version` (the CLI target, which this module cannot see).
    public static let userAgent = "fedplane/0.1.0 (libcurl)"

    public var client: CurlClient

    public init(timeoutSeconds: Double = 30, connectTimeoutSeconds: Double = 5) {
        client = CurlClient(timeoutSeconds: timeoutSeconds, connectTimeoutSeconds: connectTimeoutSeconds)
    }

    public func send(_ method: String, _ endpoint: CloudEndpoint, path: String = "/", headers: [String: String],
                     body: [UInt8]) throws(HTTPClientError) -> HTTPResponse {
        var headers = headers
        headers["User-Agent"] = Self.userAgent
        var url = endpoint.url.absoluteString
        while url.hasSuffix("/") { url.removeLast() }
        return try client.request(method, url + path, headers: headers, body: body)
    }
}

extension HTTPClientError {
    /// The transfer broke for a TLS reason: handshake, certificate or its verification.
    public var isTLSFailure: Bool { [35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91].contains(code) }
    /// The connection was made and then lost (no answer, reset): the request may have been acted on.
    public var isDropped: Bool { [52, 55, 56].contains(code) }
    /// No connection at all: name not resolved, refused, or timed out connecting.
    public var isNotConnected: Bool { [6, 7].contains(code) }
    public var isTimeout: Bool { code == 28 }
}
