/// A round-trip time between two places, and where the number came from.
public struct RTT: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Basis: String, Hashable, Sendable, Codable {
        /// A measured value from the catalog (or an overlay).
        case measured
        /// Both ends in one region: `RTTModel.sameRegionMs`, not measured.
        case sameRegion = "same-region"
        /// Estimated from the great-circle distance (`RTTModel`).
        case greatCircle = "great-circle"
    }

    public let ms: Double
    public let basis: Basis

    public init(ms: Double, basis: Basis) {
        self.ms = ms
        self.basis = basis
    }

    public var measured: Bool { basis == .measured }

    public var description: String { "\(ms) ms (\(basis.rawValue))" }
}

/// The estimate used where no measurement exists: `rtt ≈ msPer100Km × km / 100`, never below `minimumMs`.
/// 1.6 is the median of measured rtt / (great-circle km / 100) over the bundled pairs more than
/// 1000 km apart (10th percentile 1.30, 90th 2.34), so it is a typical, not a best-case, path.
public struct RTTModel: Hashable, Sendable {
    public let msPer100Km: Double
    /// Round trip between two machines of one region (same or neighbouring zones).
    public let sameRegionMs: Double
    /// Floor for two distinct regions whose coordinates (nearly) coincide, e.g. two clouds in Ashburn.
    public let minimumMs: Double

    public init(msPer100Km: Double, sameRegionMs: Double, minimumMs: Double) {
        self.msPer100Km = msPer100Km
        self.sameRegionMs = sameRegionMs
        self.minimumMs = minimumMs
    }

    public func estimateMs(km: Double) -> Double {
        max(minimumMs, msPer100Km * km / 100)
    }

    public func estimate(from a: Coordinate, to b: Coordinate) -> RTT {
        RTT(ms: estimateMs(km: a.greatCircleKm(to: b)), basis: .greatCircle)
    }
}

/// One measured round trip between two regions; the catalog keeps it for both directions.
public struct RTTMeasurement: Hashable, Sendable, Codable {
    public let a: RegionRef
    public let b: RegionRef
    public let ms: Double

    public init(_ a: RegionRef, _ b: RegionRef, ms: Double) {
        self.a = a
        self.b = b
        self.ms = ms
    }

    /// The pair in canonical order, so (a, b) and (b, a) are one key.
    var pair: RegionPair { RegionPair(a, b) }
}

/// An unordered pair of regions.
struct RegionPair: Hashable, Sendable {
    let low: RegionRef
    let high: RegionRef

    init(_ a: RegionRef, _ b: RegionRef) {
        (low, high) = b < a ? (b, a) : (a, b)
    }
}
