import FedCatalog
import FedSpec

/// A regional aggregator of a hierarchical federation (`aggregator.topology: hierarchical`):
/// where it runs and which participants it serves. Its address is `aggregator.regional.<name>`.
public struct RegionalAggregator: Sendable, Equatable {
    /// `1`…`k`, numbered by the first (sorted) participant each serves, so a plan names the same
    /// group the same way as long as its first member stays.
    public var name: String
    public var cloud: String
    public var region: String
    public var instanceType: String
    /// Sorted.
    public var participants: [String]
    /// The participants' shared `location` (private clouds group by it).
    public var location: String? = nil
    /// The machine it runs on, on an ssh cloud (`aggregator.regionalHosts[location]`).
    public var host: String? = nil

    public var address: String { "aggregator.regional.\(name)" }
    /// `cloud/region/type`, as the main aggregator's identity.
    public var identity: String { "\(cloud)/\(region)/\(instanceType)" }
}

/// Turns a hierarchical choice into the plan's placement: the global aggregator as
/// `aggregator.main`, plus the regional aggregators with who they serve.
enum RegionalLayout {
    /// Numbers groups by their first participant (sorted names), 1…k.
    static func named(_ groups: [(cloud: String, region: String, instanceType: String, participants: [String])]) -> [RegionalAggregator] {
        groups.map { (cloud: $0.cloud, region: $0.region, instanceType: $0.instanceType, participants: $0.participants.sorted()) }
            .filter { !$0.participants.isEmpty }
            .sorted { $0.participants[0] < $1.participants[0] }
            .enumerated().map { i, g in
                RegionalAggregator(name: "\(i + 1)", cloud: g.cloud, region: g.region, instanceType: g.instanceType, participants: g.participants)
            }
    }

    /// On private clouds there are no prices or regions to optimise over: participants are
    /// grouped by their `location`, and each of the `maxRegional` locations with the most
    /// participants (at least two; ties by location) gets a regional aggregator next to the
    /// global one; the others report to the global aggregator directly.
    static func privateCloud(_ spec: Spec, global: Placement) -> Placement {
        var byLocation: [String: [String]] = [:]
        for p in spec.participants { byLocation[p.location, default: []].append(p.name) }
        let chosen = byLocation.filter { $0.value.count >= 2 }
            .sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }
            .prefix(spec.aggregator.maxRegional)
        var p = global
        p.regional = named(chosen.map { (cloud: global.cloud, region: global.region, instanceType: global.instanceType, participants: $0.value) })
        let location = Dictionary(spec.participants.map { ($0.name, $0.location) }, uniquingKeysWith: { a, _ in a })
        let onSSH = spec.cloud(named: global.cloud)?.provider == .ssh
        for i in p.regional.indices {
            p.regional[i].location = location[p.regional[i].participants[0]]
            // On an ssh cloud each group runs on the host its location is given.
            if onSSH { p.regional[i].host = p.regional[i].location.flatMap { spec.aggregator.regionalHost(location: $0) } }
        }
        p.summary.note += "; " + describe(p.regional, spec: spec, rule: "hierarchical: participants grouped by location (private clouds, no prices to optimise)")
        p.summary.regional = summaries(p.regional)
        return p
    }

    /// The optimizer's chosen hierarchical point.
    static func optimized(_ d: HierarchicalDecision, spec: Spec) -> Placement {
        let c = d.choice
        var p = Placement(cloud: c.global.specCloud, region: c.global.region.region, instanceType: c.global.instanceType,
                          summary: PlacementSummary(cloud: c.global.specCloud, region: c.global.region.region, instanceType: c.global.instanceType,
                                                    costPerRun: "\(Money.format(c.cost)) \(d.currency)",
                                                    roundLatency: "\(Money.format(c.latencyMs)) ms", note: ""))
        p.regional = named(c.regional.map { (cloud: $0.site.specCloud, region: $0.site.region.region, instanceType: $0.site.instanceType, participants: $0.participants) })
        let rule = (d.keptRecorded ? "kept: " : "") + "hierarchical: chosen from an NSGA-II front of \(d.front.count) layouts (up to \(d.maxRegional) regional aggregators over \(d.sites) sites), "
            + d.objectives.map { "\($0.rawValue) \(Money.format(d.weights[$0]))" }.joined(separator: " / ")
        p.summary.note = describe(p.regional, spec: spec, rule: rule)
        p.summary.regional = summaries(p.regional)
        return p
    }

    static func summaries(_ regional: [RegionalAggregator]) -> [PlacementSummary.RegionalSummary] {
        regional.map { .init(address: $0.address, cloud: $0.cloud, region: $0.region, instanceType: $0.instanceType, participants: $0.participants) }
    }

    /// "…; aggregator.regional.1 serves a, b; direct: c".
    static func describe(_ regional: [RegionalAggregator], spec: Spec, rule: String) -> String {
        let served = Set(regional.flatMap(\.participants))
        let direct = spec.participants.map(\.name).filter { !served.contains($0) }.sorted()
        var parts = [rule]
        parts += regional.map { "\($0.address) (\($0.identity)\($0.host.map { " on \($0)" } ?? "")) serves \($0.participants.joined(separator: ", "))" }
        parts.append(direct.isEmpty ? "none direct" : "direct to the global aggregator: \(direct.joined(separator: ", "))")
        return parts.joined(separator: "; ")
    }
}
