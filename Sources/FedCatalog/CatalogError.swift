import Foundation

/// What went wrong, with what to do about it. Values, so callers can test and re-word them.
public enum CatalogError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not of the form `cloud/region`; `suggestions` are full refs whose region part matches.
    case malformedRegionRef(String, suggestions: [String])
    case unknownCloud(String, known: [String])
    case unknownRegion(String, suggestions: [String])
    case unknownInstanceType(String, region: RegionRef, suggestions: [String])
    case unknownCurrency(String, known: [String])
    /// A region whose cloud has no egress rate and which has none of its own.
    case missingEgressRate(RegionRef)
    /// A number or name that is out of range or inconsistent, e.g. in an overlay.
    case invalidValue(what: String, value: String, expected: String)
    /// The generated BundledCatalogData.swift does not parse: a generator bug, caught by the tests.
    case malformedBundledData(table: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .malformedRegionRef(text, suggestions):
            return "\"\(text)\" is not a region; write it as cloud/region, e.g. \"aws/us-east-1\""
                + Self.didYouMean(suggestions)
        case let .unknownCloud(cloud, known):
            let near = Suggestions.nearest(to: cloud, in: known)
            return "unknown cloud \"\(cloud)\"" + Self.didYouMean(near) + "; the catalog knows \(known.joined(separator: ", "))"
        case let .unknownRegion(text, suggestions):
            return "unknown region \"\(text)\"" + (suggestions.isEmpty
                ? "; no catalog region is close to it; a catalog file can add it"
                : Self.didYouMean(suggestions))
        case let .unknownInstanceType(name, region, suggestions):
            return "instance type \"\(name)\" is not offered in \(region)" + Self.didYouMean(suggestions)
        case let .unknownCurrency(code, known):
            return "unknown currency \"\(code)\"; known currencies: \(known.joined(separator: ", "))"
        case let .missingEgressRate(region):
            return "region \(region) has no internet egress rate; give one for the region or for the cloud \(region.cloud) in the catalog file"
        case let .invalidValue(what, value, expected):
            return "invalid \(what): \"\(value)\"; expected \(expected)"
        case let .malformedBundledData(table, line, reason):
            return "bundled catalog table \(table), line \(line): \(reason); regenerate it with `python3 catalog/generate.py`"
        }
    }

    private static func didYouMean(_ names: [String]) -> String {
        guard !names.isEmpty else { return "" }
        let quoted = names.map { "\"\($0)\"" }
        let list = quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
        return " (did you mean \(list)?)"
    }
}

extension CatalogError: LocalizedError {
    public var errorDescription: String? { description }
}
