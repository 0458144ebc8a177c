import FedCatalog
import FedSpec

/// The unoptimised default a user would otherwise pick: the aggregator in the first participant's
/// home region, on the cheapest instance type there that meets the minimum vCPU and memory.
public enum Baseline {
    public static func estimate(_ model: PlacementModel) throws -> CandidateEstimate? {
        guard let first = model.spec.participants.first,
              let home = try? RegionRef(parsing: first.location) else { return nil }
        let r = model.spec.aggregator.requirements
        let clouds = model.spec.aggregator.candidates.clouds.compactMap { model.spec.cloud(named: $0) }
            + model.spec.clouds
        guard let cloud = clouds.first(where: { $0.provider.rawValue == home.cloud }) else { return nil }
        let offers = model.catalog.offers(in: home).filter { $0.type.vcpu >= r.minVcpu && $0.type.memoryGiB >= r.minMemoryGiB }
        guard let cheapest = offers.min(by: { ($0.usdPerHour, $0.type.name) < ($1.usdPerHour, $1.type.name) }) else { return nil }
        return try model.estimate(cheapest, specCloud: cloud.name)
    }

    /// Percent change from `base` to `value` (negative: lower).
    public static func change(_ value: Double, from base: Double) -> Double {
        base == 0 ? 0 : (value - base) / base * 100
    }
}
