import FedRandom

/// A seeded, made-up aggregator placement table for tests and benchmarks: clouds × regions ×
/// instance types, some types missing from some regions, and participants at random spots.
///
/// Objectives: cost of the run and round latency (plus, optionally, a carbon figure).
/// Constraints: cost ≤ a budget, latency ≤ a limit, vCPU ≥ a minimum; budget and limit sit
/// at the 70th percentile of the table so there are feasible and infeasible candidates.
/// Coordinates are (cloud, region within cloud, type within cloud).
public struct SyntheticPlacementTable: Sendable, Hashable {
    public var clouds: Int
    public var regionsPerCloud: Int
    public var typesPerCloud: Int
    public var participants: Int
    /// Chance that a given type is offered in a given region.
    public var availability: Double
    public var includesCarbon: Bool
    public var seed: UInt64

    public init(
        clouds: Int = 3, regionsPerCloud: Int = 8, typesPerCloud: Int = 20, participants: Int = 3,
        availability: Double = 0.85, includesCarbon: Bool = false, seed: UInt64 = 1
    ) {
        self.clouds = clouds
        self.regionsPerCloud = regionsPerCloud
        self.typesPerCloud = typesPerCloud
        self.participants = participants
        self.availability = availability
        self.includesCarbon = includesCarbon
        self.seed = seed
    }

    public func candidates() -> [PlacementCandidate] {
        var rng = SplitMix64(seed: seed)
        let sites = (0..<participants).map { _ in (rng.nextUnit(), rng.nextUnit()) }
        let bandwidthMbps = (0..<participants).map { _ in 50 + 450 * rng.nextUnit() }
        let modelMegabits = 8 * (5 + 95 * rng.nextUnit())
        let rounds = 20.0
        var raw: [(coordinates: [Int], cost: Double, latency: Double, carbon: Double, vcpu: Int)] = []
        for cloud in 0..<clouds {
            let cloudPrice = 0.9 + 0.3 * rng.nextUnit()
            let types = (0..<typesPerCloud).map { _ -> (vcpu: Int, hourly: Double) in
                let vcpu = 1 << rng.nextInt(below: 6)   // 1…32 vCPU
                return (vcpu, Double(vcpu) * 0.045 * (0.8 + 0.4 * rng.nextUnit()) * cloudPrice)
            }
            for region in 0..<regionsPerCloud {
                let spot = (rng.nextUnit(), rng.nextUnit())
                let regionPrice = 0.85 + 0.5 * rng.nextUnit()
                let egressPerGigabit = 0.01 + 0.02 * rng.nextUnit()
                let carbonIntensity = 50 + 650 * rng.nextUnit()
                // The slowest participant's round trip plus upload sets the round's pace.
                let network = zip(sites, bandwidthMbps).map { site, mbps in
                    let distance = ((site.0 - spot.0) * (site.0 - spot.0) + (site.1 - spot.1) * (site.1 - spot.1)).squareRoot()
                    return 0.005 + 0.25 * distance + modelMegabits / mbps
                }.max()!
                for (t, type) in types.enumerated() where rng.nextUnit() < availability {
                    let aggregation = modelMegabits * Double(participants) / (400 * Double(type.vcpu))
                    let latency = network + aggregation
                    let hours = rounds * latency / 3600 + 0.25   // plus fixed set-up time
                    let egress = modelMegabits / 1000 * Double(participants) * rounds * egressPerGigabit
                    let cost = type.hourly * regionPrice * hours + egress
                    let carbon = carbonIntensity * Double(type.vcpu) * hours
                    raw.append(([cloud, region, t], cost, latency, carbon, type.vcpu))
                }
            }
        }
        let budget = percentile(raw.map(\.cost), 0.7)
        let latencyLimit = percentile(raw.map(\.latency), 0.7)
        let minimumVcpu = 2
        return raw.map { r in
            PlacementCandidate(
                coordinates: r.coordinates,
                objectives: includesCarbon ? [r.cost, r.latency, r.carbon] : [r.cost, r.latency],
                constraintViolations: [r.cost - budget, r.latency - latencyLimit, Double(minimumVcpu - r.vcpu)]
            )
        }
    }

    private func percentile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))]
    }
}
