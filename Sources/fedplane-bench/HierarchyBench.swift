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
///       [--export FILE] [--pymoo [--python python3] [--script Benchmarks/pymoo_hierarchy.py] [--operators integer|categorical]]
///       [--gate-only]
///
/// `--export FILE` writes the problem as data (`HierarchyInstanceFile` JSON) and stops. `--pymoo`
/// exports it to a temporary file, checks that the script evaluates random gene vectors exactly
/// as Swift does (else refuses), runs pymoo's NSGA-II with the same budget and seeds, and scores
/// its fronts with the same normalisation against a reference front that includes them.
/// `--gate-only` stops after that check (it needs only python3, not pymoo: the tests run it).
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
        let (instance, sites) = try optimizer.instance()
        let problem = HierarchicalPlacementProblem(instance)
        print("hierarchy: \(instance.participantClouds.count) participants, \(instance.sites.count) sites, ≤ \(instance.maxRegional) regional, objectives \(spec.aggregator.objectives.map(\.rawValue).joined(separator: ", ")), \(problem.variables.count) genes")
        let file = HierarchyInstanceFile(problem, siteLabels: sites.map(\.label), participantNames: spec.participants.map(\.name))
        if let out = BenchArgs.value("--export", in: args) {
            try HierarchyPymoo.write(file, to: out)
            print("wrote the problem to \(out)")
            return
        }
        var pymoo: HierarchyPymoo?
        var pymooDir: String?
        defer { if let pymooDir { try? FileManager.default.removeItem(atPath: pymooDir) } }
        let gateOnly = args.contains("--gate-only")
        if args.contains("--pymoo") || gateOnly {
            var side = HierarchyPymoo()
            side.python = BenchArgs.value("--python", in: args) ?? side.python
            side.script = BenchArgs.value("--script", in: args) ?? side.script
            side.operators = BenchArgs.value("--operators", in: args) ?? side.operators
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-hierarchy-\(ProcessInfo.processInfo.processIdentifier)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            pymooDir = dir
            try HierarchyPymoo.write(file, to: dir + "/instance.json")
            // Refused before any timing: a comparison on a different function would mean nothing.
            try side.gate(problem, instancePath: dir + "/instance.json", in: dir)
            if gateOnly { return }
            pymoo = side
        }

        // (front, wall ms, CPU ms)
        var evaluations: [Int] = []   // each timed run's, for the side-by-side budget line
        func timed(_ p: Int, _ g: Int, _ seed: UInt64) -> ([[Double]], Double, Double) {
            let (result, cpu, wall) = OptimizerBench.measure { NSGA2(populationSize: p, generations: g, seed: seed).run(problem) }
            evaluations.append(result.evaluations)
            return (problem.front(of: result).map(\.objectives), wall * 1e3, cpu * 1e3)
        }
        var runs: [([[Double]], Double, Double)] = []
        for s in 1...seeds { runs.append(timed(population, generations, UInt64(s))) }
        let swiftEvaluations = evaluations
        var pymooEvaluations: [Int] = []
        var long: [([[Double]], Double, Double)] = []
        for s in 1...longSeeds { long.append(timed(longPopulation, longGenerations, UInt64(1000 + s))) }
        var pymooRuns: [([[Double]], Double, Double)] = []
        if let pymoo, let pymooDir {
            for r in try pymoo.run(problem, instancePath: pymooDir + "/instance.json", seeds: seeds, population: population, generations: generations) {
                // Distinct objective vectors, as `problem.front(of:)` gives ours.
                var seen = Set<[Double]>()
                pymooEvaluations.append(r.evaluations)
                pymooRuns.append((r.front.filter { seen.insert($0).inserted }, r.wall_s * 1e3, r.cpu_s * 1e3))
            }
        }

        let merged = (runs + long + pymooRuns).flatMap(\.0)
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
        func hvRatio(_ f: [[Double]]) -> Double { hypervolume(normalised(f), reference: ref) / hvReference }
        func line(_ label: String, _ r: ([[Double]], Double, Double)) -> String {
            String(format: "%@: %.0f ms (CPU %.0f ms), front %d, HV %.4f of the reference, coverage %.2f", label, r.1, r.2, r.0.count,
                   hvRatio(r.0), coverage(r.0))
        }
        print("  reference front: \(reference.count) points from all runs\(pymooRuns.isEmpty ? "" : " incl. pymoo's") (HV \(String(format: "%.4f", hvReference)), normalised, reference point 1.1)")
        for (i, r) in runs.enumerated() { print("  " + line("NSGA-II \(population) × \(generations) seed \(i + 1)", r)) }
        for (i, r) in long.enumerated() { print("  " + line("long NSGA-II \(longPopulation) × \(longGenerations) seed \(1001 + i)", r)) }
        for (i, r) in pymooRuns.enumerated() { print("  " + line("pymoo NSGA-II \(population) × \(generations) seed \(i + 1)", r)) }
        print("  \(population) × \(generations): " + BenchArgs.summary(runs.map(\.1)))
        guard let pymoo, !pymooRuns.isEmpty else { return }
        func column(_ rs: [([[Double]], Double, Double)], _ label: String) -> String {
            func span(_ v: [Double], _ f: String) -> String {
                String(format: "\(f) (\(f)–\(f))", OptimizerBench.median(v), v.min()!, v.max()!)
            }
            return "  \(label): CPU ms per run " + span(rs.map(\.2), "%.0f") + ", wall ms " + span(rs.map(\.1), "%.0f")
                + ", front " + span(rs.map { Double($0.0.count) }, "%.0f") + ", HV ratio " + span(rs.map { hvRatio($0.0) }, "%.4f")
                + ", coverage " + span(rs.map { coverage($0.0) }, "%.2f")
        }
        print("\nside by side, \(population) × \(generations), seeds 1…\(seeds), median (min–max); load average \(loadAverage()):")
        print(column(runs, "FedOptimize NSGA-II"))
        print(column(pymooRuns, "pymoo 0.6.2 NSGA2 (\(pymoo.operators) operators)"))
        print("  evaluations per run: FedOptimize \(Set(swiftEvaluations).sorted()), pymoo \(Set(pymooEvaluations).sorted())")
        print(String(format: "  CPU time ratio (median): %.0f×", OptimizerBench.median(pymooRuns.map(\.2)) / OptimizerBench.median(runs.map(\.2))))
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).map { $0.split(separator: " ").prefix(3).joined(separator: " ") } ?? "unknown"
    }
}
