/// A cloud region with where it is, for the latency model and for grouping by area.
public struct Region: Hashable, Sendable, Codable {
    public let ref: RegionRef
    public let city: String
    /// ISO 3166-1 alpha-2.
    public let country: String
    public let coordinate: Coordinate
    public let area: Area

    public init(ref: RegionRef, city: String, country: String, coordinate: Coordinate, area: Area) {
        self.ref = ref
        self.city = city
        self.country = country
        self.coordinate = coordinate
        self.area = area
    }

    public var latitude: Double { coordinate.latitude }
    public var longitude: Double { coordinate.longitude }
}

/// Coarse geography. The bundled regions are NA, EU and APAC; SA and MEA exist for overlays.
public enum Area: String, Hashable, Sendable, Codable, CaseIterable {
    case northAmerica = "NA"
    case europe = "EU"
    case asiaPacific = "APAC"
    case southAmerica = "SA"
    case middleEastAfrica = "MEA"
}
