/// A `HierarchicalPlacementProblem` as plain data, for an implementation outside this package
/// (`Benchmarks/pymoo_hierarchy.py` runs pymoo on it): the genes, every number `measures` reads,
/// the objectives, the limits, and the repair rule by name. Encode it with any JSON encoder;
/// doubles must keep all their digits (Swift's and Python's JSON both do), so both sides
/// evaluate bit for bit the same inputs.
public struct HierarchyInstanceFile: Codable, Sendable, Equatable {
    public static let formatName = "fedplane-hierarchy-instance"
    /// How `HierarchicalPlacementProblem.repair` canonicalises a gene vector; bumped if it changes.
    public static let repairRule = "canonical-slots-v1"

    /// One gene: `kind` "categorical" with choices coded `lower...upper` (0..<count).
    public struct Gene: Codable, Sendable, Equatable {
        public var kind: String
        public var lower: Double
        public var upper: Double
    }

    public struct Site: Codable, Sendable, Equatable {
        public var computeCost: Double
        public var egressPricePerGB: Double
        public var vcpu: Int
        public var carbonKg: Double
        public var cloud: Int
        /// For people reading the file (e.g. "aws/eu-west-1 m5.large"); the evaluation ignores it.
        public var label: String?
    }

    public var format: String
    public var version: Int
    /// Genes in order: global site, `maxRegional` regional sites, one parent per participant.
    public var genes: [Gene]
    public var repair: String
    /// Objective names in the problem's order (cost, latency, carbon, egress).
    public var objectives: [String]
    /// Limit per objective name; a violation is (value − limit) / limit, one per limit in the
    /// order cost, latency, carbon, egress.
    public var limits: [String: Double]
    public var sites: [Site]
    public var participantClouds: [Int]
    /// For people reading the file; the evaluation ignores them.
    public var participantNames: [String]?
    public var participantMs: [[Double]]
    public var siteMs: [[Double]]
    public var maxRegional: Int
    public var gbPerLinkPerRun: Double
    public var aggregationMsPerChildPerVcpu: Double

    public static func name(of objective: HierarchyInstance.Objective) -> String {
        switch objective {
        case .cost: return "cost"
        case .latency: return "latency"
        case .carbon: return "carbon"
        case .egress: return "egress"
        }
    }

    public init(_ problem: HierarchicalPlacementProblem, siteLabels: [String]? = nil, participantNames: [String]? = nil) {
        let inst = problem.instance
        format = Self.formatName
        version = 1
        genes = problem.variables.map { Gene(kind: "categorical", lower: $0.lower, upper: $0.upper) }
        repair = Self.repairRule
        objectives = inst.objectives.map(Self.name)
        limits = Dictionary(uniqueKeysWithValues: inst.limits.map { (Self.name(of: $0.key), $0.value) })
        sites = inst.sites.enumerated().map { i, s in
            Site(computeCost: s.computeCost, egressPricePerGB: s.egressPricePerGB, vcpu: s.vcpu, carbonKg: s.carbonKg,
                 cloud: s.cloud, label: siteLabels?[i])
        }
        participantClouds = inst.participantClouds
        self.participantNames = participantNames
        participantMs = inst.participantMs
        siteMs = inst.siteMs
        maxRegional = inst.maxRegional
        gbPerLinkPerRun = inst.gbPerLinkPerRun
        aggregationMsPerChildPerVcpu = inst.aggregationMsPerChildPerVcpu
    }

    /// The instance again, after checking what `HierarchyInstance.init` would trap on.
    public func instance() throws -> HierarchyInstance {
        func fail(_ m: String) -> HierarchyInstanceFileError { HierarchyInstanceFileError(message: m) }
        guard format == Self.formatName, version == 1 else { throw fail("not a \(Self.formatName) version 1 file (format \(format), version \(version))") }
        guard repair == Self.repairRule else { throw fail("repair rule \(repair) is not \(Self.repairRule)") }
        let s = sites.count, p = participantClouds.count
        guard s > 0, p > 0, maxRegional >= 0 else { throw fail("needs at least one site and one participant, and maxRegional ≥ 0") }
        guard participantMs.count == p, participantMs.allSatisfy({ $0.count == s }) else { throw fail("participantMs must be \(p) × \(s)") }
        guard siteMs.count == s, siteMs.allSatisfy({ $0.count == s }) else { throw fail("siteMs must be \(s) × \(s)") }
        guard sites.allSatisfy({ $0.vcpu > 0 }) else { throw fail("every site needs vcpu > 0") }
        let byName = Dictionary(uniqueKeysWithValues: HierarchyInstance.Objective.allCases.map { (Self.name(of: $0), $0) })
        var objs: [HierarchyInstance.Objective] = []
        for n in objectives {
            guard let o = byName[n] else { throw fail("unknown objective \(n)") }
            objs.append(o)
        }
        guard !objs.isEmpty else { throw fail("no objectives") }
        var lim: [HierarchyInstance.Objective: Double] = [:]
        for (n, v) in limits {
            guard let o = byName[n] else { throw fail("unknown limit \(n)") }
            lim[o] = v
        }
        let inst = HierarchyInstance(
            sites: sites.map { .init(computeCost: $0.computeCost, egressPricePerGB: $0.egressPricePerGB, vcpu: $0.vcpu, carbonKg: $0.carbonKg, cloud: $0.cloud) },
            participantClouds: participantClouds, participantMs: participantMs, siteMs: siteMs, maxRegional: maxRegional,
            gbPerLinkPerRun: gbPerLinkPerRun, aggregationMsPerChildPerVcpu: aggregationMsPerChildPerVcpu, objectives: objs, limits: lim)
        guard HierarchicalPlacementProblem(inst).variables.map({ Gene(kind: "categorical", lower: $0.lower, upper: $0.upper) }) == genes else {
            throw fail("genes do not match the sites, maxRegional and participants")
        }
        return inst
    }
}

public struct HierarchyInstanceFileError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
