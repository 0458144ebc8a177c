import FedOptimize
import Foundation

/// FedOptimize's benchmark: NSGA-II on ZDT1 (timed, with its hypervolume), a placement search
/// over a generated table, and optionally pymoo 0.6.2 on the same ZDT1 run for comparison.
///
///     fedplane-bench zdt1 [--runs N] [--generations G] [--pymoo] [--python python3] [--script Benchmarks/pymoo_zdt1.py]
///                         [--skip-placement] [--front-out FILE]
///     fedplane-bench quality [SEEDS] [--front-out FILE]   median HV over 11 seeds on ZDT1–3 and DTLZ2
///
/// `--front-out FILE` writes every final front the bench scores (see `FrontFile`), so an outside
/// scorer (`Benchmarks/score_fronts.py`, pymoo's HV) can check the quality figures; with
/// `--pymoo`, pymoo's fronts go to FILE with `.pymoo` before the extension.
///
/// Build in release (`swift build -c release`); debug timings mean nothing.
enum OptimizerBench {
    struct Options {
        var runs = 11
        var generations = 250
        var pymoo = false
        var placement = true
        var python = "python3"
        var script = "Benchmarks/pymoo_zdt1.py"
        var frontOut: String?
    }

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ args: [String]) throws {
        if args.first == "quality" {
            var rest = Array(args.dropFirst())
            var file: FrontFile?
            if let i = rest.firstIndex(of: "--front-out") {
                guard i + 1 < rest.count else { throw UsageError(description: "--front-out needs a file") }
                file = FrontFile(path: rest[i + 1])
                rest.removeSubrange(i...(i + 1))
            }
            guard rest.count <= 1, rest.first.map({ Int($0).map { $0 >= 1 } ?? false }) ?? true else {
                throw UsageError(description: "usage: quality [SEEDS] [--front-out FILE]")
            }
            quality(seeds: rest.first.flatMap { Int($0) } ?? 11, file: &file)
            try file?.write()
            return
        }
        let options = try parse(args)
        var file = options.frontOut.map { FrontFile(path: $0) }
        let swift = zdt1(runs: options.runs, generations: options.generations, file: &file)
        try file?.write()
        if options.placement { placement() }
        if options.pymoo {
            try compare(with: options, swiftCPU: swift.cpu, swiftHV: swift.hv)
        }
    }

    static func parse(_ args: [String]) throws -> Options {
        var options = Options()
        var rest = args[...]
        if rest.first == "zdt1" { rest = rest.dropFirst() }
        while let flag = rest.popFirst() {
            switch flag {
            case "--pymoo":
                options.pymoo = true
            case "--skip-placement":
                options.placement = false
            case "--runs", "--generations", "--python", "--script", "--front-out":
                guard let value = rest.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
                if flag == "--runs" {
                    guard let runs = Int(value), runs >= 1 else { throw UsageError(description: "--runs needs a positive integer") }
                    options.runs = runs
                } else if flag == "--generations" {
                    guard let g = Int(value), g >= 1 else { throw UsageError(description: "--generations needs a positive integer") }
                    options.generations = g
                } else if flag == "--front-out" {
                    options.frontOut = value
                } else if flag == "--python" {
                    options.python = value
                } else {
                    options.script = value
                }
            default:
                throw UsageError(description: "unknown argument \(flag); usage: zdt1 [--runs N] [--pymoo] [--python P] [--script S] [--generations G] [--skip-placement] [--front-out FILE]")
            }
        }
        return options
    }

    /// NSGA-II 100 × 250 (or `generations`) on ZDT1 for seeds 1…runs; returns the median CPU
    /// seconds and HV.
    static func zdt1(runs: Int, generations: Int, file: inout FrontFile?) -> (cpu: Double, hv: Double) {
        print("FedOptimize NSGA-II 100 x \(generations) on ZDT1 (30 variables), \(runs) seeds")
        var cpus: [Double] = [], walls: [Double] = [], hvs: [Double] = []
        for seed in 1...runs {
            let optimizer = NSGA2(populationSize: 100, generations: generations, seed: UInt64(seed))
            let (result, cpu, wall) = measure { optimizer.run(ZDT(.zdt1)) }
            let front = result.paretoSet.map(\.objectives)
            let hv = hypervolume(front, reference: [1.1, 1.1])
            file?.add(problem: "zdt1", seed: seed, generations: generations, reference: [1.1, 1.1], hv: hv, front: front)
            cpus.append(cpu)
            walls.append(wall)
            hvs.append(hv)
            print(String(format: "  seed %2d: %8.2f ms CPU %8.2f ms wall  HV %.5f", seed, cpu * 1e3, wall * 1e3, hv))
        }
        let (cpu, wall, hv) = (median(cpus), median(walls), median(hvs))
        print(String(format: "median: %.2f ms CPU, %.2f ms wall per run (fastest %.2f ms CPU), HV %.5f",
                     cpu * 1e3, wall * 1e3, cpus.min()! * 1e3, hv))
        return (cpu, hv)
    }

    /// The quality test's measurement in release: median HV over seeds 1…11 (or 1…`seeds`)
    /// per problem.
    static func quality(seeds: Int, file: inout FrontFile?) {
        let cases: [(problem: any ReferenceProblem, generations: Int, pymoo: Double)] = [
            (ZDT(.zdt1), 250, 0.8694), (ZDT(.zdt2), 250, 0.5362), (ZDT(.zdt3), 250, 1.3276), (DTLZ2(), 300, 0.7049),
        ]
        for c in cases {
            let reference = [Double](repeating: 1.1, count: c.problem.objectiveCount)
            var times: [Double] = []
            let volumes = (1...seeds).map { seed -> Double in
                let optimizer = NSGA2(populationSize: 100, generations: c.generations, seed: UInt64(seed))
                let (result, cpu, _) = measure { optimizer.run(c.problem) }
                times.append(cpu)
                let front = result.paretoSet.map(\.objectives)
                let hv = hypervolume(front, reference: reference)
                file?.add(problem: c.problem.name.lowercased(), seed: seed, generations: c.generations, reference: reference, hv: hv, front: front)
                return hv
            }
            let hv = median(volumes)
            print(String(format: "%@ 100 x %d: median HV %.5f (pymoo 0.6.2 %.4f, %+.2f%%), min %.5f, max %.5f, %.1f ms CPU per run",
                         c.problem.name, c.generations, hv, c.pymoo, (hv - c.pymoo) / c.pymoo * 100,
                         volumes.min()!, volumes.max()!, median(times) * 1e3))
        }
    }

    /// A generated aggregator table (3 clouds × 8 regions × 20 types, 3 participants): the
    /// exhaustive front, NSGA-II 100 × 200 on it, and the weighted pick.
    static func placement() {
        let table = SyntheticPlacementTable(clouds: 3, regionsPerCloud: 8, typesPerCloud: 20, participants: 3, seed: 7)
        let candidates = table.candidates()
        guard let problem = try? PlacementProblem(candidates: candidates) else {
            print("placement: the generated table is unusable")
            return
        }
        let feasible = candidates.filter(\.isFeasible).count
        print("\nplacement: \(candidates.count) candidates (\(feasible) feasible), 3 participants, objectives cost and round latency")
        var exact: [Int] = [], found: [Int] = [], exactTimes: [Double] = [], searchTimes: [Double] = []
        for _ in 0..<5 {
            let (front, _, wall) = measure { exhaustiveParetoFront(candidates) }
            exact = front
            exactTimes.append(wall)
        }
        for seed in 1...5 {
            let optimizer = NSGA2(populationSize: 100, generations: 200, seed: UInt64(seed))
            let (front, _, wall) = measure { problem.optimizedParetoFront(using: optimizer) }
            found = front
            searchTimes.append(wall)
            if front != exact { print("  seed \(seed): NSGA-II front differs from the exhaustive one") }
        }
        print(String(format: "  exhaustive front: %d candidates in %.3f ms (median of 5)", exact.count, median(exactTimes) * 1e3))
        print(String(format: "  NSGA-II 100 x 200: %d candidates in %.2f ms (median of 5 seeds), %@",
                     found.count, median(searchTimes) * 1e3, found == exact ? "same front" : "DIFFERENT front"))
        if let pick = select(front: exact, in: candidates, weights: [0.9, 0.1]) {
            let c = candidates[pick]
            print(String(format: "  weights cost 0.9, latency 0.1 pick candidate %d at %@: cost %.4f, latency %.3f s",
                         pick, "\(c.coordinates)", c.objectives[0], c.objectives[1]))
        }
    }

    /// Runs the pymoo script and prints both sides with the CPU-time ratio.
    static func compare(with options: Options, swiftCPU: Double, swiftHV: Double) throws {
        print("\nrunning \(options.script) with \(options.python) (pymoo takes a few seconds per run)…")
        var arguments = [options.python, options.script, "--runs", String(options.runs), "--generations", String(options.generations)]
        if let out = options.frontOut { arguments += ["--front-out", FrontFile.sibling(of: out, tag: "pymoo")] }
        let fields = try BenchArgs.pythonReport(arguments,
                                                prefix: "PYMOO", failure: "the pymoo script failed (pip install pymoo==0.6.2)")
        guard let pyCPU = fields["cpu_median_s"], let pyHV = fields["hv_median"] else {
            throw UsageError(description: "unexpected pymoo output: \(fields)")
        }
        print(String(format: "\nside by side (median of %d seeds): FedOptimize %.2f ms CPU, HV %.5f | pymoo %.1f ms CPU, HV %.5f",
                     options.runs, swiftCPU * 1e3, swiftHV, pyCPU * 1e3, pyHV))
        print(String(format: "speed ratio: %.0fx faster; HV difference %+.2f%%", pyCPU / swiftCPU, (swiftHV - pyHV) / pyHV * 100))
    }

    /// Runs `body` once; returns its value, CPU seconds of this process and wall seconds.
    static func measure<T>(_ body: () -> T) -> (T, cpu: Double, wall: Double) {
        let cpuStart = cpuSeconds()
        let clock = ContinuousClock()
        let wallStart = clock.now
        let value = body()
        let elapsed = clock.now - wallStart
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (value, cpuSeconds() - cpuStart, wall)
    }

    static func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
