/// Names one region of one cloud, written `cloud/region` (`aws/us-east-1`) everywhere fedplane shows it.
public struct RegionRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let cloud: String
    public let region: String
    /// `cloud/region`, kept because sorting compares it often (building it each time was the
    /// largest cost of loading the catalog).
    private let written: String

    public init(cloud: String, region: String) {
        self.cloud = cloud
        self.region = region
        self.written = "\(cloud)/\(region)"
    }

    /// Parses `aws/us-east-1`. `aws:us-east-1` (the latency dataset's spelling) is accepted too;
    /// case and surrounding blanks are ignored because every public cloud's region names are lowercase.
    public init(parsing text: String) throws(CatalogError) {
        let trimmed = text.trimmingBlanks().lowercased()
        guard let cut = trimmed.firstIndex(where: { $0 == "/" || $0 == ":" }) else {
            throw .malformedRegionRef(text, suggestions: [])
        }
        let cloud = String(trimmed[..<cut])
        let region = String(trimmed[trimmed.index(after: cut)...])
        guard Self.isName(cloud), Self.isName(region) else {
            throw .malformedRegionRef(text, suggestions: [])
        }
        self.init(cloud: cloud, region: region)
    }

    public var description: String { written }

    /// Order of the written form. Refs are ASCII, where String's order is byte order, so Swift and
    /// the generator (Python) put the two regions of a pair the same way round.
    public static func < (a: RegionRef, b: RegionRef) -> Bool {
        a.written < b.written
    }

    private static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }
}

extension RegionRef: Codable {
    /// Encoded as its written form, `"aws/us-east-1"`, so plans and state stay readable.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension String {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
