import FedSpec

/// Where the aggregator runs: a cloud of the spec, a region and an instance type.
public struct Placement: Sendable, Equatable {
    public var cloud: String
    public var region: String
    public var instanceType: String
    public var summary: PlacementSummary
    /// The regional aggregators under this (global) one; empty for a flat federation.
    public var regional: [RegionalAggregator] = []

    /// Places the aggregator when every candidate is a private (local) cloud: the first candidate,
    /// on this machine. Public candidates need the optimizer; `nil` here means "ask it".
    public static func onPrivateCloud(_ spec: Spec) -> Placement? {
        let candidates = spec.aggregator.candidates.clouds.compactMap { spec.cloud(named: $0) }
        guard let first = candidates.first, candidates.allSatisfy({ !$0.provider.isPublic }) else { return nil }
        let note = candidates.count == 1
            ? "the only candidate, a \(first.provider.rawValue) cloud"
            : "the first of \(candidates.count) private candidates (no prices to compare)"
        return Placement(cloud: first.name, region: "local", instanceType: "local",
                         summary: PlacementSummary(cloud: first.name, region: "local", instanceType: "local",
                                                   costPerRun: nil, roundLatency: nil, note: note))
    }

    /// `cloud/region/type`: how dependants refer to the aggregator, so a new placement updates them.
    public var identity: String { "\(cloud)/\(region)/\(instanceType)" }

    /// The regional aggregator serving `participant`, if one does.
    public func regional(serving participant: String) -> RegionalAggregator? {
        regional.first { $0.participants.contains(participant) }
    }
}

extension Placement {
    /// The optimizer's choice.
    init(_ d: PlacementDecision) {
        let c = d.choice
        let note = (d.keptRecorded ? "kept: " : "") +
            "chosen from \(d.frontIsExact ? "the exact" : "an approximate") Pareto front of \(d.front.count) placements (\(d.feasible.count) of \(d.candidates.count) candidates feasible), weights \(d.weightsPhrase(separator: " / ")); " +
            (d.search.outcome.map { "\(d.search.run) \($0)" } ?? "found by \(d.search.run)")
        self.init(cloud: c.specCloud, region: c.region.region, instanceType: c.instanceType,
                  summary: PlacementSummary(cloud: c.specCloud, region: c.region.region, instanceType: c.instanceType,
                                            costPerRun: "\(Money.format(c.cost)) \(d.currency)",
                                            roundLatency: "\(Money.format(c.roundLatencyMs)) ms", note: note))
    }
}

extension PlacementDecision {
    /// "cost 0.5 / latency 0.5" (as before issue 16) or, with other objectives, each listed one.
    public func weightsPhrase(separator: String) -> String {
        guard extendedObjectives else {
            return "cost \(Money.format(weights.cost))\(separator)latency \(Money.format(weights.latency))"
        }
        return objectives.map { "\($0.rawValue) \(Money.format(weights[$0]))" }.joined(separator: separator)
    }
}
