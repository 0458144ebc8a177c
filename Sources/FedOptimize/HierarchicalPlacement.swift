/// Hierarchical placement (issue 16): a global aggregator, up to `maxRegional` regional
/// aggregators, and which parent each participant reports to (the global one directly, or a
/// regional one). The optimiser knows nothing of clouds: the caller gives each candidate site's
/// price, size and carbon, and the millisecond paths between participants and sites.
public struct HierarchyInstance: Sendable {
    /// One place an aggregator can run (a region and an instance type).
    public struct Site: Sendable, Hashable {
        /// Compute for the run, in the caller's currency.
        public var computeCost: Double
        /// Price per GB of traffic this site sends to its children, in the caller's currency.
        public var egressPricePerGB: Double
        public var vcpu: Int
        /// kg CO2e of this site's VM over the run.
        public var carbonKg: Double
        /// Any id: traffic between different ids crosses a cloud boundary.
        public var cloud: Int

        public init(computeCost: Double, egressPricePerGB: Double, vcpu: Int, carbonKg: Double, cloud: Int) {
            self.computeCost = computeCost
            self.egressPricePerGB = egressPricePerGB
            self.vcpu = vcpu
            self.carbonKg = carbonKg
            self.cloud = cloud
        }
    }

    public enum Objective: Int, Sendable, Hashable, CaseIterable { case cost, latency, carbon, egress }

    public var sites: [Site]
    public var participantClouds: [Int]
    /// `participantMs[p][s]`: round trip plus model transfer from participant p to site s.
    public var participantMs: [[Double]]
    /// `siteMs[a][b]`: round trip plus model transfer between two sites.
    public var siteMs: [[Double]]
    public var maxRegional: Int
    /// GB one child and its parent exchange per run (the model down and the update up, every round).
    public var gbPerLinkPerRun: Double
    /// Aggregation ms per child on one vCPU (model size / per-vCPU rate).
    public var aggregationMsPerChildPerVcpu: Double
    public var objectives: [Objective]
    /// Limits per objective (nil: none); violations are relative, as in the flat table.
    public var limits: [Objective: Double]

    public init(sites: [Site], participantClouds: [Int], participantMs: [[Double]], siteMs: [[Double]], maxRegional: Int,
                gbPerLinkPerRun: Double, aggregationMsPerChildPerVcpu: Double, objectives: [Objective], limits: [Objective: Double] = [:]) {
        precondition(!sites.isEmpty && !participantClouds.isEmpty && !objectives.isEmpty && maxRegional >= 0)
        precondition(participantMs.count == participantClouds.count && participantMs.allSatisfy { $0.count == sites.count })
        precondition(siteMs.count == sites.count && siteMs.allSatisfy { $0.count == sites.count })
        self.sites = sites
        self.participantClouds = participantClouds
        self.participantMs = participantMs
        self.siteMs = siteMs
        self.maxRegional = maxRegional
        self.gbPerLinkPerRun = gbPerLinkPerRun
        self.aggregationMsPerChildPerVcpu = aggregationMsPerChildPerVcpu
        self.objectives = objectives
        self.limits = limits
    }
}

/// A decoded decision: where the global aggregator runs, where each used regional one runs, and
/// each participant's parent (nil: the global aggregator).
public struct HierarchicalLayout: Sendable, Hashable {
    public var global: Int
    public var regional: [Int]
    public var parent: [Int?]

    public init(global: Int, regional: [Int], parent: [Int?]) {
        self.global = global
        self.regional = regional
        self.parent = parent
    }

    /// Participants each regional aggregator serves.
    public var members: [[Int]] {
        var out = [[Int]](repeating: [], count: regional.count)
        for (p, r) in parent.enumerated() { if let r { out[r].append(p) } }
        return out
    }
}

/// The instance as an NSGA-II problem. Genes: the global site, `maxRegional` regional sites,
/// then one parent per participant (0: the global aggregator, j: regional slot j), all
/// categorical. Many gene vectors mean the same layout (an unused slot's site does not matter;
/// slots can be renumbered), so `repair` maps each to one canonical form: used slots renumbered
/// by the first participant that uses them, unused slots' sites set to 0. Duplicate elimination
/// then sees one individual per layout.
public struct HierarchicalPlacementProblem: Problem, RepairingProblem, Sendable {
    public let instance: HierarchyInstance
    public let variables: [Variable]
    public var objectiveCount: Int { instance.objectives.count }
    public var constraintCount: Int { limitOrder.count }
    private let limitOrder: [HierarchyInstance.Objective]

    public init(_ instance: HierarchyInstance) {
        self.instance = instance
        let s = instance.sites.count, k = instance.maxRegional
        variables = [Variable.categorical(s)] + Array(repeating: .categorical(s), count: k)
            + Array(repeating: .categorical(k + 1), count: instance.participantClouds.count)
        limitOrder = HierarchyInstance.Objective.allCases.filter { instance.limits[$0] != nil }
    }

    public func repair(_ x: inout [Double]) {
        let k = instance.maxRegional, p0 = 1 + k
        var relabel = [Int](repeating: 0, count: k + 1)   // old slot → new slot (0: unassigned yet)
        var sites = [Double](repeating: 0, count: k)
        var used = 0
        for i in p0..<x.count {
            let slot = Int(x[i])
            guard slot > 0 else { continue }
            if relabel[slot] == 0 {
                used += 1
                relabel[slot] = used
                sites[used - 1] = x[slot]
            }
            x[i] = Double(relabel[slot])
        }
        for j in 0..<k { x[1 + j] = sites[j] }
    }

    public func layout(_ genes: [Double]) -> HierarchicalLayout {
        var x = genes
        repair(&x)
        let k = instance.maxRegional
        let parents = x[(1 + k)...].map { $0 == 0 ? nil : Int($0) - 1 }
        let used = parents.compactMap { $0 }.max().map { $0 + 1 } ?? 0
        return HierarchicalLayout(global: Int(x[0]), regional: (0..<used).map { Int(x[1 + $0]) }, parent: Array(parents))
    }

    /// cost, latency, carbon and egress of a layout (in that order, whatever the objectives).
    public func measures(_ l: HierarchicalLayout) -> [Double] {
        let inst = instance
        let g = inst.sites[l.global]
        let members = l.members
        var cost = g.computeCost, carbon = g.carbonKg, egressGB = 0.0
        let directCount = l.parent.filter { $0 == nil }.count
        let globalAggregation = inst.aggregationMsPerChildPerVcpu * Double(directCount + l.regional.count) / Double(g.vcpu)
        var latency = 0.0
        for (p, parent) in l.parent.enumerated() where parent == nil {
            cost += inst.gbPerLinkPerRun * g.egressPricePerGB
            if inst.participantClouds[p] != g.cloud { egressGB += inst.gbPerLinkPerRun }
            latency = max(latency, inst.participantMs[p][l.global])
        }
        for (j, siteIndex) in l.regional.enumerated() {
            let r = inst.sites[siteIndex]
            cost += r.computeCost + inst.gbPerLinkPerRun * g.egressPricePerGB
            carbon += r.carbonKg
            if r.cloud != g.cloud { egressGB += inst.gbPerLinkPerRun }
            var slowest = 0.0
            for p in members[j] {
                cost += inst.gbPerLinkPerRun * r.egressPricePerGB
                if inst.participantClouds[p] != r.cloud { egressGB += inst.gbPerLinkPerRun }
                slowest = max(slowest, inst.participantMs[p][siteIndex])
            }
            let regionalAggregation = inst.aggregationMsPerChildPerVcpu * Double(members[j].count) / Double(r.vcpu)
            latency = max(latency, slowest + regionalAggregation + inst.siteMs[siteIndex][l.global])
        }
        return [cost, latency + globalAggregation, carbon, egressGB]
    }

    public func evaluate(_ x: [Double]) -> (objectives: [Double], constraintViolations: [Double]) {
        let m = measures(layout(x))
        return (instance.objectives.map { m[$0.rawValue] },
                limitOrder.map { o in (m[o.rawValue] - instance.limits[o]!) / instance.limits[o]! })
    }

    /// Every gene vector, for exhaustive fronts of small instances: sites^(1+k) × (k+1)^participants.
    public var spaceSize: Double {
        variables.reduce(1.0) { acc, v in acc * (v.upper + 1) }
    }

    /// The exact front by enumerating every gene vector: distinct feasible objective vectors no
    /// other feasible vector dominates, each with one canonical layout. Only for small spaces.
    public func exhaustiveFront() -> [(objectives: [Double], layout: HierarchicalLayout)] {
        precondition(spaceSize <= 5_000_000, "too large to enumerate")
        // An archive of the non-dominated points met so far (small: about the front's size), so
        // the enumeration costs O(space × front) rather than a sort of every feasible point.
        var archive: [(objectives: [Double], genes: [Double])] = []
        var x = [Double](repeating: 0, count: variables.count)
        let counts = variables.map { Int($0.upper) + 1 }
        outer: while true {
            var canonical = x
            repair(&canonical)
            // Only canonical vectors: every layout is evaluated once.
            if canonical == x {
                let e = evaluate(canonical)
                if totalViolation(e.constraintViolations) <= 0,
                   !archive.contains(where: { $0.objectives == e.objectives || paretoDominance($0.objectives, e.objectives) == .firstDominates }) {
                    archive.removeAll { paretoDominance(e.objectives, $0.objectives) == .firstDominates }
                    archive.append((e.objectives, canonical))
                }
            }
            var i = 0
            while true {
                guard i < x.count else { break outer }
                x[i] += 1
                if Int(x[i]) < counts[i] { break }
                x[i] = 0
                i += 1
            }
        }
        return archive.sorted { $0.objectives.lexicographicallyPrecedes($1.objectives) }.map { ($0.objectives, layout($0.genes)) }
    }

    /// A run's feasible non-dominated objective vectors (distinct), each with a canonical layout.
    public func front(of result: OptimizationResult) -> [(objectives: [Double], layout: HierarchicalLayout)] {
        var byPoint: [[Double]: HierarchicalLayout] = [:]
        for member in result.paretoSet where member.isFeasible && byPoint[member.objectives] == nil {
            byPoint[member.objectives] = layout(member.x)
        }
        return byPoint.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0, byPoint[$0]!) }
    }
}
