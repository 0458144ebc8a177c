/// A mass of CO2-equivalent written with a unit (`500g`, `2.5kg`, `1t`). Kept in kilograms.
public struct CarbonMass: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var kilograms: Double

    public init(kilograms: Double) { self.kilograms = kilograms }

    public static func < (a: CarbonMass, b: CarbonMass) -> Bool { a.kilograms < b.kilograms }

    static let units: [(suffix: String, kg: Double)] = [("g", 0.001), ("kg", 1), ("t", 1000)]

    public static func parse(_ text: String) -> Result<CarbonMass, UnitError> {
        switch UnitNumber.split(text, units: units.map(\.suffix)) {
        case .failure(let e): return .failure(e)
        case .success(let (value, unit)):
            return .success(CarbonMass(kilograms: value * units.first { $0.suffix == unit }!.kg))
        }
    }

    public var description: String { UnitNumber.format(kilograms) + "kg" }
}

/// What the placement optimizer minimises. The spec lists them in `aggregator.objectives`.
public enum PlacementObjective: String, Sendable, Hashable, CaseIterable, Codable {
    /// Cost per run in the spec's currency.
    case cost
    /// Round latency in ms.
    case latency
    /// The aggregator VM's kg CO2e per run.
    case carbon
    /// GB per run crossing cloud boundaries.
    case egress

    /// Today's behaviour when the spec lists none.
    public static let defaults: [PlacementObjective] = [.cost, .latency]
}
