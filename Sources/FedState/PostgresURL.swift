import Foundation

/// A PostgreSQL connection URL (`postgres://user:password@host:port/database?sslmode=…`) and its
/// masked form. The raw URL only ever goes to libpq; everything a user or a file sees — messages,
/// plans, the lock row, errors — uses `redacted`, where the password is `***`.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public let raw: String

    public init?(_ text: String) {
        guard Self.isPostgres(text) else { return nil }
        raw = text
    }

    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// The URL with its password (in the user part or a `password=` parameter) replaced by `***`.
    public var redacted: String { Self.mask(raw) }
    public var description: String { redacted }

    /// The password, if the URL carries one (to scrub it from server or library messages).
    var password: String? {
        guard let c = URLComponents(string: raw) else { return nil }
        if let p = c.percentEncodedPassword, !p.isEmpty { return p.removingPercentEncoding ?? p }
        return c.queryItems?.first { $0.name == "password" }?.value
    }

    static func mask(_ text: String) -> String {
        var out = text
        // user:password@ — the password ends at the last '@' before the path.
        if let scheme = out.range(of: "://") {
            let rest = out[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                out.replaceSubrange(out.index(after: colon)..<at, with: "***")
            }
        }
        // password=… in the query or in keyword form.
        out = out.replacingOccurrences(of: #"password=[^&\s]*"#, with: "password=***", options: .regularExpression)
        return out
    }

    /// `message` with the password removed wherever it appears (libpq and the server may echo
    /// parts of the connection string).
    func scrub(_ message: String) -> String {
        var text = message.replacingOccurrences(of: raw, with: redacted)
        if let p = password, p.count >= 3 { text = text.replacingOccurrences(of: p, with: "***") }
        return text
    }
}
