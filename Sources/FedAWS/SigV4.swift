import Crypto
import Foundation

/// AWS Signature Version 4 (header form), checked against AWS's published test suite
/// (Tests/FedAWSTests/Fixtures/sigv4).
public enum SigV4 {
    /// A request as it will be sent; `headers` must include `host` and `x-amz-date`.
    public struct Request: Sendable {
        public var method: String
        /// The decoded path, e.g. `/`.
        public var path: String
        /// The raw query string (without `?`), or "".
        public var query: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)], body: [UInt8]) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }
    }

    public struct Scope: Sendable, Equatable {
        public var region: String
        public var service: String
        public init(region: String, service: String) {
            self.region = region
            self.service = service
        }
    }

    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// RFC 3986 percent-encoding of every byte but the unreserved ones (uppercase hex).
    public static func encode(_ s: String, keepSlash: Bool = false) -> String {
        var out = ""
        for b in s.utf8 {
            if unreserved.contains(b) || (keepSlash && b == UInt8(ascii: "/")) {
                out.unicodeScalars.append(UnicodeScalar(b))
            } else {
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(Crypto.SHA256.hash(data: bytes)) }

    static func hmac(_ key: [UInt8], _ message: String) -> [UInt8] {
        Array(HMAC<Crypto.SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }

    /// Header values trimmed, inner runs of spaces collapsed to one.
    static func canonicalValue(_ v: String) -> String {
        v.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }

    /// The canonical request and the signed-headers list.
    public static func canonicalRequest(_ r: Request) -> (text: String, signedHeaders: String) {
        var grouped: [String: [String]] = [:]
        for h in r.headers { grouped[h.name.lowercased(), default: []].append(canonicalValue(h.value)) }
        let names = grouped.keys.sorted()
        let headerLines = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))\n" }.joined()
        let signed = names.joined(separator: ";")
        let pairs: [(String, String)] = r.query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (encode(key), encode(value))
        }
        // Sorted by code point (byte order of the encoded ASCII), key first, then value.
        let query = pairs.sorted { ($0.0.utf8.lexicographicallyPrecedes($1.0.utf8)) || ($0.0 == $1.0 && $0.1.utf8.lexicographicallyPrecedes($1.1.utf8)) }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let uri = r.path.isEmpty ? "/" : encode(r.path, keepSlash: true)
        let text = [r.method.uppercased(), uri, query, headerLines, signed, sha256Hex(r.body)].joined(separator: "\n")
        return (text, signed)
    }

    public static func stringToSign(canonicalRequest: String, amzDate: String, scope: Scope) -> String {
        let date = String(amzDate.prefix(8))
        return ["AWS4-HMAC-SHA256", amzDate, "\(date)/\(scope.region)/\(scope.service)/aws4_request",
                sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// The `Authorization` header value for `r` (whose `x-amz-date` header gives the time).
    public static func authorization(_ r: Request, accessKeyID: String, secretAccessKey: String, scope: Scope) -> String {
        let amzDate = r.headers.first { $0.name.lowercased() == "x-amz-date" }?.value ?? ""
        let date = String(amzDate.prefix(8))
        let (canonical, signed) = canonicalRequest(r)
        let toSign = stringToSign(canonicalRequest: canonical, amzDate: amzDate, scope: scope)
        let kDate = hmac(Array("AWS4\(secretAccessKey)".utf8), date)
        let kSigning = hmac(hmac(hmac(kDate, scope.region), scope.service), "aws4_request")
        let signature = hex(hmac(kSigning, toSign))
        return "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(date)/\(scope.region)/\(scope.service)/aws4_request, SignedHeaders=\(signed), Signature=\(signature)"
    }

    /// `20150830T123600Z` for `date` (UTC).
    public static func amzDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }

    /// Adds `x-amz-date`, the session token when there is one, and `Authorization`.
    public static func sign(_ r: inout Request, credentials: AWSCredentials, scope: Scope, date: Date = Date()) {
        r.headers.append(("X-Amz-Date", amzDate(date)))
        if let token = credentials.sessionToken { r.headers.append(("X-Amz-Security-Token", token)) }
        r.headers.append(("Authorization", authorization(r, accessKeyID: credentials.accessKeyID,
                                                         secretAccessKey: credentials.secretAccessKey, scope: scope)))
    }
}
