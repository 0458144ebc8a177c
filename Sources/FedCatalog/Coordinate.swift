import Foundation

/// A point on Earth in decimal degrees (WGS 84), e.g. a region's city or a participant's site.
public struct Coordinate: Hashable, Sendable, Codable, CustomStringConvertible {
    public let latitude: Double
    public let longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    public var isValid: Bool {
        latitude.isFinite && longitude.isFinite && (-90...90).contains(latitude) && (-180...180).contains(longitude)
    }

    public var description: String { "\(latitude),\(longitude)" }

    /// Mean Earth radius (IUGG), the usual choice for great-circle distances.
    public static let earthRadiusKm = 6371.0088

    /// Great-circle distance by the haversine formula; well within 0.5 % of the ellipsoidal distance.
    public func greatCircleKm(to other: Coordinate) -> Double {
        let rad = Double.pi / 180
        let dLat = (other.latitude - latitude) * rad
        let dLon = (other.longitude - longitude) * rad
        let sinLat = sin(dLat / 2), sinLon = sin(dLon / 2)
        let h = sinLat * sinLat + cos(latitude * rad) * cos(other.latitude * rad) * sinLon * sinLon
        return 2 * Self.earthRadiusKm * asin(min(1, h.squareRoot()))
    }
}
