import FedOptimize
import FedRandom
import Foundation

/// The pymoo side of `fedplane-bench hierarchy --pymoo`: exports the problem as data, checks that
/// `Benchmarks/pymoo_hierarchy.py` evaluates it exactly as Swift does, runs pymoo's NSGA-II on it
/// and reads back each run's time and front.
struct HierarchyPymoo {
    var python = "python3"
    var script = "Benchmarks/pymoo_hierarchy.py"
    var operators = "integer"

    /// Random gene vectors the gate evaluates on both sides (unrepaired: repair is checked too).
    static let gateGenomes = 300

    struct Run: Decodable {
        var seed: Int
        var cpu_s: Double
        var wall_s: Double
        var evaluations: Int
        var front: [[Double]]
        var genes: [[Int]]
    }

    struct Evaluations: Decodable {
        var objectives: [[Double]]
        var violations: [[Double]]
    }

    static func write(_ file: HierarchyInstanceFile, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(file).write(to: URL(fileURLWithPath: path))
    }

    /// `|a − b| ≤ 1e-9 · max(|a|, |b|, 1e-300)` element by element: the two sides add the same
    /// numbers in the same order, so anything looser means the function differs.
    static func equal(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300) }
    }

    /// Evaluates `gateGenomes` random gene vectors with the script and refuses (throws) unless
    /// every objective and violation equals Swift's.
    func gate(_ problem: HierarchicalPlacementProblem, instancePath: String, in dir: String) throws {
        var rng = SplitMix64(seed: 16)
        let genomes = (0..<Self.gateGenomes).map { _ in problem.variables.map { Double(rng.nextInt(below: Int($0.upper) + 1)) } }
        let path = dir + "/genomes.json"
        try JSONEncoder().encode(genomes.map { $0.map { Int($0) } }).write(to: URL(fileURLWithPath: path))
        let output = try BenchArgs.runPython([python, script, "evaluate", instancePath, path], failure: "the evaluate mode of \(script) failed")
        let theirs = try JSONDecoder().decode(Evaluations.self, from: Data(output.utf8))
        guard theirs.objectives.count == genomes.count, theirs.violations.count == genomes.count else {
            throw BenchError("\(script) evaluated \(theirs.objectives.count) of \(genomes.count) gene vectors: comparison refused")
        }
        for (i, x) in genomes.enumerated() {
            let ours = problem.evaluate(x)
            guard Self.equal(ours.objectives, theirs.objectives[i]), Self.equal(ours.constraintViolations, theirs.violations[i]) else {
                throw BenchError("gene vector \(i) \(x.map { Int($0) }): Swift \(ours.objectives) \(ours.constraintViolations), "
                                 + "Python \(theirs.objectives[i]) \(theirs.violations[i]); the Python objective function differs, comparison refused")
            }
        }
        print("  gate: \(genomes.count) random gene vectors evaluate to the same objectives and violations in Swift and Python (1e-9 relative)")
    }

    /// pymoo's runs; each front's gene vectors are evaluated again in Swift and must give the
    /// objectives pymoo reported.
    func run(_ problem: HierarchicalPlacementProblem, instancePath: String, seeds: Int, population: Int, generations: Int) throws -> [Run] {
        print("  running \(script) with \(python): pymoo NSGA-II \(population) × \(generations), \(operators) operators, seeds 1…\(seeds) (seconds per run)…")
        let output = try BenchArgs.runPython([python, script, "run", instancePath, "--seeds", String(seeds), "--population", String(population),
                                         "--generations", String(generations), "--operators", operators],
                                        failure: "\(script) failed (pip install pymoo==0.6.2)")
        var runs: [Run] = []
        for line in output.split(separator: "\n") {
            if line.hasPrefix("PYMOO_RUN ") {
                runs.append(try JSONDecoder().decode(Run.self, from: Data(line.dropFirst("PYMOO_RUN ".count).utf8)))
            } else if !line.isEmpty {
                print("  " + line)
            }
        }
        guard runs.count == seeds else { throw BenchError("\(script) reported \(runs.count) of \(seeds) runs") }
        for r in runs {
            for (x, f) in zip(r.genes, r.front) {
                let e = problem.evaluate(x.map(Double.init))
                guard Self.equal(e.objectives, f), totalViolation(e.constraintViolations) <= 0 else {
                    throw BenchError("pymoo seed \(r.seed) reported \(f) for \(x), Swift evaluates \(e.objectives) \(e.constraintViolations): comparison refused")
                }
            }
        }
        return runs
    }
}
