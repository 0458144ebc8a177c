/// A size with a unit: decimal (`26MB` = 26,000,000 bytes) or binary (`4GiB`).
public struct ByteSize: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var bytes: Double

    public init(bytes: Double) { self.bytes = bytes }

    public static func < (a: ByteSize, b: ByteSize) -> Bool { a.bytes < b.bytes }

    static let units: [(suffix: String, factor: Double)] = [
        ("B", 1), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12),
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
    ]

    public static func parse(_ text: String) -> Result<ByteSize, UnitError> {
        switch UnitNumber.split(text, units: units.map(\.suffix)) {
        case .failure(let e): return .failure(e)
        case .success(let (value, unit)):
            return .success(ByteSize(bytes: value * units.first { $0.suffix == unit }!.factor))
        }
    }

    public var megabytes: Double { bytes / 1e6 }

    public var description: String {
        for (suffix, factor) in Self.units.reversed() where suffix.count == 2 && bytes >= factor {
            return UnitNumber.format((bytes / factor * 100).rounded() / 100) + suffix
        }
        return UnitNumber.format(bytes) + "B"
    }
}

/// A link speed (`200Mbps`, `1Gbps`), in bits per second.
public struct Bandwidth: Hashable, Sendable, Codable, CustomStringConvertible {
    public var bitsPerSecond: Double

    public init(bitsPerSecond: Double) { self.bitsPerSecond = bitsPerSecond }

    static let units: [(suffix: String, factor: Double)] = [("bps", 1), ("Kbps", 1e3), ("Mbps", 1e6), ("Gbps", 1e9)]

    public static func parse(_ text: String) -> Result<Bandwidth, UnitError> {
        switch UnitNumber.split(text, units: units.map(\.suffix)) {
        case .failure(let e): return .failure(e)
        case .success(let (value, unit)):
            return .success(Bandwidth(bitsPerSecond: value * units.first { $0.suffix == unit }!.factor))
        }
    }

    /// Seconds to move `size` over this link.
    public func transferSeconds(_ size: ByteSize) -> Double { size.bytes * 8 / bitsPerSecond }

    public var description: String {
        for (suffix, factor) in Self.units.reversed() where bitsPerSecond >= factor {
            return UnitNumber.format(bitsPerSecond / factor) + suffix
        }
        return UnitNumber.format(bitsPerSecond) + "bps"
    }
}
