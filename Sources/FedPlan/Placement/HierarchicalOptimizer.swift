import FedCatalog
import FedOptimize
import FedSpec

/// One point of the hierarchical front, in the spec's terms.
public struct HierarchicalPoint: Sendable {
    public struct Regional: Sendable {
        public let site: CandidateEstimate
        public let participants: [String]
    }
    public let global: CandidateEstimate
    public let regional: [Regional]
    /// Participants reporting to the global aggregator directly.
    public let direct: [String]
    /// Cost (spec currency), round latency ms, kg CO2e, GB across clouds, per run.
    public let cost: Double, latencyMs: Double, carbonKg: Double, egressGB: Double
    /// The spec's objectives in its order.
    public let objectives: [Double]
}

public struct HierarchicalDecision: Sendable {
    /// Cheapest first.
    public let front: [HierarchicalPoint]
    public let chosen: Int
    public let objectives: [PlacementObjective]
    public let weights: Weights
    public let maxRegional: Int
    public let sites: Int
    public let settings: OptimizerSettings
    public let currency: String
    /// True when the layout recorded in state was kept (it scores as well as any other choice).
    public var keptRecorded = false
    public var choice: HierarchicalPoint { front[chosen] }
}

/// The layout the state records: where `aggregator.main` and each `aggregator.regional.<n>` run,
/// and whom each regional one serves.
public struct RecordedLayout: Sendable, Equatable {
    public struct Site: Sendable, Equatable {
        public var cloud: String, region: String, instanceType: String
        public init(cloud: String, region: String, instanceType: String) {
            self.cloud = cloud
            self.region = region
            self.instanceType = instanceType
        }
    }
    public struct Regional: Sendable, Equatable {
        public var site: Site
        public var participants: [String]
        public init(site: Site, participants: [String]) {
            self.site = site
            self.participants = participants
        }
    }
    public var global: Site
    public var regional: [Regional]

    public init(global: Site, regional: [Regional]) {
        self.global = global
        self.regional = regional
    }
}

extension CandidateEstimate {
    /// True when this candidate is the recorded site (the spec's cloud, region, instance type).
    func isAt(_ site: RecordedLayout.Site) -> Bool {
        specCloud == site.cloud && region.region == site.region && instanceType == site.instanceType
    }
}

/// Hierarchical placement (`aggregator.topology: hierarchical`): builds a `HierarchyInstance`
/// from the flat model's per-site estimates and runs NSGA-II on it.
///
/// - sites: every flat candidate meeting minVcpu/minMemoryGiB (same cloud/region/type filters);
/// - a link (participant ↔ regional, participant ↔ global, regional ↔ global) carries the model
///   down and the update up every round (model size × 2 × rounds), priced at the parent's egress
///   rate and counted as egress volume when the two ends are in different clouds;
/// - participant → site ms: RTT + the participant's transfer, as in the flat model; site → site
///   ms: RTT + the model both ways at `interSiteBandwidth` (cloud backbones; an assumption);
/// - latency = the slowest participant → (regional → ) global path plus each hop's aggregation;
/// - cost and carbon add the compute of every aggregator used;
/// - the front is NSGA-II's merged with every flat layout (all `sites` of them are evaluated).
public struct HierarchicalOptimizer: Sendable {
    public static let interSiteBitsPerSecond = 10e9

    public let model: PlacementModel
    public let settings: OptimizerSettings
    public let weights: Weights

    public init(model: PlacementModel, settings: OptimizerSettings, weights: Weights) {
        self.model = model
        self.settings = settings
        self.weights = weights
    }

    /// The instance and the sites it indexes.
    public func instance() throws -> (HierarchyInstance, [CandidateEstimate]) {
        let spec = model.spec
        let r = spec.aggregator.requirements
        let sites = try model.candidates().filter { $0.offer.type.vcpu >= r.minVcpu && $0.offer.type.memoryGiB >= r.minMemoryGiB }
        guard !sites.isEmpty else { throw PlacementInfeasible(message: "no instance type of the catalog matches the aggregator's candidates and minimums") }
        if model.needsCarbon, let lacking = sites.first(where: { $0.carbon == nil }) {
            throw PlacementInfeasible(message: "carbon is asked for but \(lacking.label) has no carbon data: no \(lacking.carbonMissing.joined(separator: ", "))")
        }
        let catalog = model.catalog
        let fx = try catalog.convert(1, from: "USD", to: model.currency)
        var clouds: [String: Int] = [:]
        func cloudID(_ c: String) -> Int {
            if let id = clouds[c] { return id }
            clouds[c] = clouds.count
            return clouds.count - 1
        }
        let bytes = model.modelBytes
        let instSites = try sites.map { s in
            HierarchyInstance.Site(computeCost: s.offer.usdPerHour * model.runHours * fx,
                                   egressPricePerGB: try catalog.egressUsdPerGB(from: s.region) * fx,
                                   vcpu: s.offer.type.vcpu, carbonKg: s.carbonKgCO2e ?? 0, cloud: cloudID(s.region.cloud))
        }
        let participants = spec.participants
        let pm = try participants.map { p in
            let location = try RegionRef(parsing: p.location)
            let transfer = 2 * p.bandwidth.transferSeconds(ByteSize(bytes: bytes)) * 1000
            return try sites.map { try catalog.rttMs(location, $0.region).ms + transfer }
        }
        let siteTransfer = 2 * bytes * 8 / Self.interSiteBitsPerSecond * 1000
        let sm = try sites.map { a in try sites.map { b in try catalog.rttMs(a.region, b.region).ms + (a.region == b.region && a.offer == b.offer ? 0 : siteTransfer) } }
        var limits: [HierarchyInstance.Objective: Double] = [:]
        if let c = r.maxCost { limits[.cost] = c.amount }
        if let l = r.maxRoundLatency { limits[.latency] = l.milliseconds }
        if let c = r.maxCarbon { limits[.carbon] = c.kilograms }
        if let e = r.maxEgress { limits[.egress] = e.bytes / 1e9 }
        let inst = HierarchyInstance(
            sites: instSites, participantClouds: try participants.map { cloudID(try RegionRef(parsing: $0.location).cloud) },
            participantMs: pm, siteMs: sm, maxRegional: spec.aggregator.maxRegional,
            gbPerLinkPerRun: bytes * 2 * Double(spec.training.rounds) / 1e9,
            aggregationMsPerChildPerVcpu: bytes / PlacementModel.aggregationBytesPerSecondPerVcpu * 1000,
            objectives: spec.aggregator.objectives.map(Self.objective), limits: limits)
        return (inst, sites)
    }

    static func objective(_ o: PlacementObjective) -> HierarchyInstance.Objective {
        switch o {
        case .cost: return .cost
        case .latency: return .latency
        case .carbon: return .carbon
        case .egress: return .egress
        }
    }

    /// - Parameter recorded: the layout in state; it is kept while it is on the front and scores
    ///   as well as the best choice, so a plan does not move aggregators between equal layouts
    ///   (a run's measured duration prices every layout anew after each run).
    public func decide(recorded: RecordedLayout? = nil) throws -> HierarchicalDecision {
        let (inst, sites) = try instance()
        let problem = HierarchicalPlacementProblem(inst)
        let result = NSGA2(populationSize: settings.population, generations: settings.generations, seed: settings.seed).run(problem)
        // The recorded layout first, so that among layouts with equal objectives it is the one kept.
        var pool: [(objectives: [Double], layout: HierarchicalLayout)] = []
        var recordedLayout: HierarchicalLayout?
        if let recorded, let genes = Self.genes(recorded, sites: sites, participants: model.spec.participants.map(\.name), maxRegional: inst.maxRegional) {
            let e = problem.evaluate(genes)
            if totalViolation(e.constraintViolations) <= 0 {
                recordedLayout = problem.layout(genes)
                pool.append((e.objectives, recordedLayout!))
            }
        }
        // Flat layouts (every participant direct) are a corner of the space that uniform
        // sampling rarely meets; there are only `sites` of them, so each is evaluated and merged:
        // the front is never worse than the flat one.
        pool += problem.front(of: result)
        for s in sites.indices {
            let genes = [Double(s)] + [Double](repeating: 0, count: problem.variables.count - 1)
            let e = problem.evaluate(genes)
            if totalViolation(e.constraintViolations) <= 0 { pool.append((e.objectives, problem.layout(genes))) }
        }
        let nonDominated = pool.isEmpty ? [] : fastNonDominatedSort(pool.map(\.objectives), stoppingAfter: 1)[0].sorted()
        var seen = Set<[Double]>()
        let found = nonDominated.map { pool[$0] }.filter { seen.insert($0.objectives).inserted }
        guard !found.isEmpty else {
            throw PlacementInfeasible(message: "no hierarchical placement NSGA-II met satisfies the limits (\(settings.population) × \(settings.generations)); relax a limit or raise the optimizer's budget")
        }
        let names = model.spec.participants.map(\.name)
        var entries = found.map { f -> (point: HierarchicalPoint, layout: HierarchicalLayout) in
            let m = problem.measures(f.layout)
            let members = f.layout.members
            return (HierarchicalPoint(
                global: sites[f.layout.global],
                regional: f.layout.regional.enumerated().map { j, s in .init(site: sites[s], participants: members[j].map { names[$0] }) },
                direct: f.layout.parent.enumerated().filter { $0.element == nil }.map { names[$0.offset] },
                cost: m[0], latencyMs: m[1], carbonKg: m[2], egressGB: m[3], objectives: f.objectives), f.layout)
        }
        entries.sort { ($0.point.cost, $0.point.latencyMs, $0.point.global.label) < ($1.point.cost, $1.point.latencyMs, $1.point.global.label) }
        let points = entries.map(\.point)
        let table = points.enumerated().map { PlacementCandidate(coordinates: [$0.offset], objectives: $0.element.objectives) }
        let objectives = model.spec.aggregator.objectives
        let w = objectives.map { weights[$0] }
        let best = select(front: Array(table.indices), in: table, weights: w)!
        var chosen = best
        var kept = false
        let score = SelectionScore(front: Array(table.indices), in: table, weights: w)
        if let recordedLayout, let i = entries.firstIndex(where: { $0.layout == recordedLayout }), score(i) <= score(best) + 1e-12 {
            chosen = i
            kept = true
        }
        var decision = HierarchicalDecision(front: points, chosen: chosen, objectives: objectives, weights: weights,
                                            maxRegional: inst.maxRegional, sites: sites.count, settings: settings, currency: model.currency)
        decision.keptRecorded = kept
        return decision
    }

    /// The genes of a recorded layout: nil when one of its sites is no longer a candidate, it
    /// names a participant the spec no longer has, or it has more regional aggregators than the
    /// spec allows. A participant it does not name (new to the spec) reports to the global one.
    static func genes(_ r: RecordedLayout, sites: [CandidateEstimate], participants: [String], maxRegional: Int) -> [Double]? {
        func index(_ s: RecordedLayout.Site) -> Int? { sites.firstIndex { $0.isAt(s) } }
        guard r.regional.count <= maxRegional, let global = index(r.global) else { return nil }
        var genes = [Double(global)] + [Double](repeating: 0, count: maxRegional + participants.count)
        for (j, regional) in r.regional.enumerated() {
            guard let site = index(regional.site), !regional.participants.isEmpty else { return nil }
            genes[1 + j] = Double(site)
            for name in regional.participants {
                guard let p = participants.firstIndex(of: name), genes[1 + maxRegional + p] == 0 else { return nil }
                genes[1 + maxRegional + p] = Double(j + 1)
            }
        }
        return genes
    }
}
