import Foundation

/// A network in CIDR notation, checked with the C library's own address parser.
public enum CIDR {
    /// `a.b.c.d/n` (n ≤ 32) or an IPv6 address `/n` (n ≤ 128).
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let bits = Int(parts[1]) else { return false }
        let address = String(parts[0])
        if address.contains(":") {
            var v6 = in6_addr()
            return bits <= 128 && inet_pton(AF_INET6, address, &v6) == 1
        }
        var v4 = in_addr()
        return bits <= 32 && inet_pton(AF_INET, address, &v4) == 1
    }
}
