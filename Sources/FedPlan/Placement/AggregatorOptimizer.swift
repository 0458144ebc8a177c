import FedCatalog
import FedOptimize
import FedSpec

/// The optimizer's answer: every candidate estimated, the Pareto front of the feasible ones, and
/// the one the weights pick.
///
/// When the candidate table is small enough to enumerate (`AggregatorOptimizer.exactFrontLimit`;
/// the bundled catalog has 392) the front is the exact one, and NSGA-II's own front is checked
/// against it (`search`); above the limit the front is NSGA-II's, an approximation.
public struct PlacementDecision: Sendable {
    public let candidates: [CandidateEstimate]
    public let feasible: [Int]
    /// Indices into `candidates`, cheapest first.
    public let front: [Int]
    public let chosen: Int
    public let weights: Weights
    /// True when the placement recorded in state was kept (it is as good as any other choice).
    public let keptRecorded: Bool
    public let currency: String
    /// True when `front` is the exact front (by enumeration), false when it is NSGA-II's.
    public let frontIsExact: Bool
    /// What NSGA-II did with the spec's settings.
    public let search: SearchReport
    /// What the front trades (the spec's `aggregator.objectives`).
    public var objectives: [PlacementObjective] = PlacementObjective.defaults

    /// True when the spec asked for more or other objectives than cost and latency; the outputs
    /// then show them (and are otherwise byte for byte what they were before).
    public var extendedObjectives: Bool { objectives != PlacementObjective.defaults }

    public var choice: CandidateEstimate { candidates[chosen] }
}

/// NSGA-II's run on the placement table and, when the exact front is known, how its front
/// compares with it.
public struct SearchReport: Sendable {
    public let settings: OptimizerSettings
    /// NSGA-II's feasible non-dominated candidates (indices, cheapest first); empty when a small
    /// budget met no feasible candidate.
    public let front: [Int]
    /// Nil when the front is approximate (nothing to compare with).
    public let agreement: FrontAgreement?

    /// "NSGA-II with population 100, 200 generations, seed 7".
    public var run: String {
        "NSGA-II with population \(settings.population), \(settings.generations) generation\(settings.generations == 1 ? "" : "s"), seed \(settings.seed)"
    }

    /// "found all 7 of its points", "found 0 of its 7 points", "… and 2 dominated ones"; nil
    /// when there is no exact front to compare with.
    public var outcome: String? {
        guard let a = agreement else { return nil }
        var found = a.foundPoints == a.exactPoints ? "found all \(a.exactPoints) of its points" : "found \(a.foundPoints) of its \(a.exactPoints) points"
        if a.extraPoints > 0 { found += " and \(a.extraPoints) dominated one\(a.extraPoints == 1 ? "" : "s")" }
        return found
    }

    /// One clause for the output: "the exact front (every candidate enumerated); NSGA-II with
    /// population 100, 200 generations, seed 7 found all 7 of its points".
    public func sentence(frontIsExact: Bool) -> String {
        guard frontIsExact, let outcome else {
            return "an approximate front, \(run)'s, over a table too large to enumerate"
        }
        return "the exact front (every candidate enumerated); \(run) \(outcome)"
    }
}

/// Why no placement exists, naming the nearest candidate and the limits it breaks.
public struct PlacementInfeasible: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

public struct AggregatorOptimizer: Sendable {
    /// Tables up to this many candidates are enumerated for the exact front (a sort and a sweep;
    /// the table is estimated whole anyway). Above it the front is NSGA-II's.
    public static let defaultExactFrontLimit = 1_000_000

    public var model: PlacementModel
    public let settings: OptimizerSettings
    public let weights: Weights
    public let exactFrontLimit: Int

    public init(model: PlacementModel, settings: OptimizerSettings, weights: Weights,
                exactFrontLimit: Int = AggregatorOptimizer.defaultExactFrontLimit) {
        self.model = model
        self.settings = settings
        self.weights = weights
        self.exactFrontLimit = exactFrontLimit
    }

    /// - Parameter recorded: the placement in state; it is kept while it scores as well as the
    ///   best choice, so equal points never flap between plans.
    public func decide(recorded: RecordedLayout.Site? = nil) throws -> PlacementDecision {
        let estimates = try model.candidates()
        guard !estimates.isEmpty else {
            throw PlacementInfeasible(message: "no instance type of the catalog matches the aggregator's candidate clouds, regions and instance types")
        }
        if model.needsCarbon {
            // Never a silent zero: name every candidate the carbon data does not cover.
            let lacking = estimates.filter { $0.carbon == nil }
            if !lacking.isEmpty {
                let missing = Array(Set(lacking.flatMap(\.carbonMissing))).sorted()
                throw PlacementInfeasible(message: "carbon is asked for (aggregator.objectives or requirements.maxCarbon) but \(lacking.count) candidate\(lacking.count == 1 ? " has" : "s have") no carbon data: no \(missing.joined(separator: ", ")); restrict aggregator.candidates.regions to regions the bundled carbon data covers, or drop carbon")
            }
        }
        let table = Self.table(estimates, model: model)
        let feasible = table.indices.filter { table[$0].isFeasible }
        // Infeasible only when nothing is feasible, whatever the search met.
        guard !feasible.isEmpty else {
            throw PlacementInfeasible(message: infeasibleMessage(estimates, table))
        }
        let problem = try PlacementProblem(candidates: table)
        let optimizer = NSGA2(populationSize: settings.population, generations: settings.generations, seed: settings.seed)
        let searched = problem.optimizedParetoFront(using: optimizer)

        let front: [Int], exact: Bool, agreement: FrontAgreement?
        if table.count <= exactFrontLimit || searched.isEmpty {
            // Enumerated: also when a search too small to meet a feasible candidate ran on a
            // table above the limit, since a feasible candidate exists.
            front = exhaustiveParetoFront(table)
            exact = true
            agreement = FrontAgreement(found: searched, exact: front, in: table)
        } else {
            front = searched
            exact = false
            agreement = nil
        }
        let w = model.spec.aggregator.objectives.map { weights[$0] }
        guard let best = select(front: front, in: table, weights: w) else {
            throw PlacementInfeasible(message: infeasibleMessage(estimates, table))
        }
        let score = SelectionScore(front: front, in: table, weights: w)
        var chosen = best
        var kept = false
        if let r = recorded,
           let i = estimates.firstIndex(where: { $0.isAt(r) }),
           i != best, front.contains(i),
           score(i) <= score(best) + 1e-12 {
            chosen = i
            kept = true
        } else if let r = recorded, estimates[best].isAt(r) {
            kept = true
        }
        func cheapestFirst(_ indices: [Int]) -> [Int] {
            indices.sorted { (estimates[$0].cost, estimates[$0].roundLatencyMs, $0) < (estimates[$1].cost, estimates[$1].roundLatencyMs, $1) }
        }
        var decision = PlacementDecision(candidates: estimates, feasible: feasible, front: cheapestFirst(front), chosen: chosen,
                                         weights: weights, keptRecorded: kept, currency: model.currency, frontIsExact: exact,
                                         search: SearchReport(settings: settings, front: cheapestFirst(searched), agreement: agreement))
        decision.objectives = model.spec.aggregator.objectives
        return decision
    }

    /// Coordinates (spec cloud, region, instance type) and objectives (cost, latency) per candidate.
    static func table(_ estimates: [CandidateEstimate], model: PlacementModel) -> [PlacementCandidate] {
        let clouds = Array(Set(estimates.map(\.specCloud))).sorted()
        let regions = Array(Set(estimates.map(\.region.description))).sorted()
        let types = Array(Set(estimates.map(\.instanceType))).sorted()
        return estimates.map { e in
            PlacementCandidate(coordinates: [clouds.firstIndex(of: e.specCloud)!, regions.firstIndex(of: e.region.description)!,
                                             types.firstIndex(of: e.instanceType)!],
                               objectives: model.spec.aggregator.objectives.map { model.value($0, of: e) },
                               constraintViolations: model.violations(e))
        }
    }

    private func infeasibleMessage(_ estimates: [CandidateEstimate], _ table: [PlacementCandidate]) -> String {
        let r = model.spec.aggregator.requirements
        var limits: [String] = []
        if let l = r.maxRoundLatency { limits.append("maxRoundLatency \(l)") }
        if let c = r.maxCost { limits.append("maxCost \(c)") }
        limits.append("minVcpu \(r.minVcpu)")
        if r.minMemoryGiB > 0 { limits.append("minMemoryGiB \(Money.format(r.minMemoryGiB))") }
        if let c = r.maxCarbon { limits.append("maxCarbon \(c)") }
        if let g = r.maxEgress { limits.append("maxEgress \(g)") }
        // Constraints after the four fixed ones: maxCarbon then maxEgress, each only when set.
        let extra = (r.maxCarbon != nil ? ["maxCarbon"] : []) + (r.maxEgress != nil ? ["maxEgress"] : [])
        guard let closest = closestCandidate(table) else { return "no aggregator candidate" }
        let e = estimates[closest.index]
        let breaks = closest.breaches.map { b -> String in
            switch b.constraint {
            case 0: return "maxCost by \(Money.format(e.cost - (r.maxCost?.amount ?? 0))) \(model.currency)"
            case 1: return "maxRoundLatency by \(Money.format(e.roundLatencyMs - (r.maxRoundLatency?.milliseconds ?? 0))) ms"
            case 2: return "minVcpu (\(e.offer.type.vcpu) vCPU)"
            case 3: return "minMemoryGiB (\(Money.format(e.offer.type.memoryGiB)) GiB)"
            default:
                if extra[b.constraint - 4] == "maxCarbon" {
                    return "maxCarbon by \(Money.format((e.carbonKgCO2e ?? 0) - (r.maxCarbon?.kilograms ?? 0))) kg CO2e"
                }
                return "maxEgress by \(Money.format(e.egressGB - (r.maxEgress?.bytes ?? 0) / 1e9)) GB"
            }
        }
        return "no candidate satisfies \(limits.joined(separator: " and ")); the closest is \(e.label) at \(Money.format(e.roundLatencyMs)) ms, \(Money.format(e.cost)) \(model.currency), which breaks \(breaks.joined(separator: " and "))"
    }
}

extension Money {
    /// A number as people read it in a message: whole when large, two decimals otherwise.
    public static func format(_ x: Double) -> String {
        if abs(x) >= 100 { return String(Int((x).rounded())) }
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
