import FedOptimize
import FedPlan
import FedSpec
import Foundation

/// Hierarchical placement of a large spec (default specs/continents-30.yaml): NSGA-II with the
/// given budget over several seeds, each timed, against a reference front merged from long runs.
/// Reports each run's hypervolume relative to the reference front's (objectives normalised to the
/// reference front's range, reference point 1.1) and its coverage: the share of the reference
/// front's points that the run's front weakly dominates.
///
///   swift run -c release fedplane-bench hierarchy [--spec F] [--population 100] [--generations 300]
///       [--seeds 5] [--long-population 200] [--long-generations 2000] [--long-seeds 2] [--objectives cost,latency,carbon]
enum HierarchyBench {
    static func run(_ args: [String]) throws {
        let path = BenchArgs.value("--spec", in: args) ?? "specs/continents-30.yaml"
        func int(_ flag: String, _ d: Int) -> Int { BenchArgs.value(flag, in: args).flatMap(Int.init) ?? d }
        let population = int("--population", 100), generations = int("--generations", 300), seeds = int("--seeds", 5)
        let longPopulation = int("--long-population", 200), longGenerations = int("--long-generations", 2000), longSeeds = int("--long-seeds", 2)
        let ws = try Workspace.load(specPath: path, statePath: nil, credentialCheck: .skip)
        var spec = ws.spec
        if let list = BenchArgs.value("--objectives", in: args) {
            spec.aggregator.objectives = try list.split(separator: ",").map {
                guard let o = PlacementObjective(rawValue: String($0)) else { throw BenchError("unknown objective \($0)") }
                return o
            }
        }
        let optimizer = HierarchicalOptimizer(model: PlacementModel(spec: spec, catalog: ws.catalog), settings: spec.aggregator.optimizer,
                                              weights: spec.aggregator.weights)
        let (instance, _) = try optimizer.instance()
        let problem = HierarchicalPlacementProblem(instance)
        print("hierarchy: \(instance.participantClouds.count) participants, \(instance.sites.count) sites, ≤ \(instance.maxRegional) regional, objectives \(spec.aggregator.objectives.map(\.rawValue).joined(separator: ", ")), \(problem.variables.count) genes")

        func timed(_ p: Int, _ g: Int, _ seed: UInt64) -> ([[Double]], Double) {
            let start = DispatchTime.now().uptimeNanoseconds
            let front = problem.front(of: NSGA2(populationSize: p, generations: g, seed: seed).run(problem)).map(\.objectives)
            return (front, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        var runs: [([[Double]], Double)] = []
        for s in 1...seeds { runs.append(timed(population, generations, UInt64(s))) }
        var long: [([[Double]], Double)] = []
        for s in 1...longSeeds { long.append(timed(longPopulation, longGenerations, UInt64(1000 + s))) }

        let merged = (runs + long).flatMap(\.0)
        let reference = fastNonDominatedSort(merged, stoppingAfter: 1)[0].map { merged[$0] }
        let m = reference[0].count
        let low = (0..<m).map { k in reference.map { $0[k] }.min()! }
        let high = (0..<m).map { k in reference.map { $0[k] }.max()! }
        func normalised(_ f: [[Double]]) -> [[Double]] {
            f.map { p in (0..<m).map { k in high[k] > low[k] ? (p[k] - low[k]) / (high[k] - low[k]) : 0 } }
        }
        let ref = [Double](repeating: 1.1, count: m)
        let hvReference = hypervolume(normalised(reference), reference: ref)
        func coverage(_ f: [[Double]]) -> Double {
            let covered = reference.filter { r in f.contains { p in zip(p, r).allSatisfy { $0 <= $1 } } }.count
            return Double(covered) / Double(reference.count)
        }
        func line(_ label: String, _ r: ([[Double]], Double)) -> String {
            String(format: "%@: %.0f ms, front %d, HV %.4f of the reference, coverage %.2f", label, r.1, r.0.count,
                   hypervolume(normalised(r.0), reference: ref) / hvReference, coverage(r.0))
        }
        print("  reference front: \(reference.count) points from all runs (HV \(String(format: "%.4f", hvReference)), normalised, reference point 1.1)")
        for (i, r) in runs.enumerated() { print("  " + line("NSGA-II \(population) × \(generations) seed \(i + 1)", r)) }
        for (i, r) in long.enumerated() { print("  " + line("long NSGA-II \(longPopulation) × \(longGenerations) seed \(1001 + i)", r)) }
        print("  \(population) × \(generations): " + BenchArgs.summary(runs.map(\.1)))
    }
}
