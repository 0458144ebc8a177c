/// Currencies a spec may state limits in. Conversion rates live in the catalog.
public enum Currency: String, Sendable, Codable, CaseIterable {
    case USD, EUR, KRW
}

/// An amount with its currency (`{amount: 85000, currency: KRW}`).
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    public var amount: Double
    public var currency: Currency

    public init(amount: Double, currency: Currency) {
        self.amount = amount
        self.currency = currency
    }

    public var description: String { "\(UnitNumber.format(amount)) \(currency.rawValue)" }
}

/// How much each objective counts when one point of the Pareto front is picked.
/// Stored normalised so the weights sum to 1.
public struct Weights: Hashable, Sendable, Codable {
    public var cost: Double
    public var latency: Double
    /// 0 unless the spec lists carbon/egress among its objectives and weighs them.
    public var carbon: Double = 0
    public var egress: Double = 0

    /// Normalises; nil when both are zero (nothing to choose by).
    public init?(cost: Double, latency: Double) {
        let total = cost + latency
        guard cost >= 0, latency >= 0, total > 0 else { return nil }
        self.cost = cost / total
        self.latency = latency / total
    }

    /// Normalises over all four; nil when any is negative or all are zero.
    public init?(cost: Double, latency: Double, carbon: Double, egress: Double) {
        let total = cost + latency + carbon + egress
        guard cost >= 0, latency >= 0, carbon >= 0, egress >= 0, total > 0 else { return nil }
        self.cost = cost / total
        self.latency = latency / total
        self.carbon = carbon / total
        self.egress = egress / total
    }

    public subscript(_ objective: PlacementObjective) -> Double {
        switch objective {
        case .cost: return cost
        case .latency: return latency
        case .carbon: return carbon
        case .egress: return egress
        }
    }
}
