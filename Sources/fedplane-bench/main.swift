// fedplane-bench: the project's benchmarks, run in a release build.
//   swift run -c release fedplane-bench spec [--participants 1000] [--vms 5]
//   swift run -c release fedplane-bench state [--participants 1000]
//   swift run -c release fedplane-bench plan [--participants 1000] [--vms 5]
//   swift run -c release fedplane-bench zdt1 [--pymoo]      (NSGA-II vs pymoo on ZDT1, and a placement search)
//   swift run -c release fedplane-bench quality [SEEDS]     (median hypervolumes of ZDT1-3 and DTLZ2)
//   swift run -c release fedplane-bench hierarchy [--spec F] [--population P] [--generations G] [--seeds S]
//                                                           (hierarchical placement: HV and coverage vs long runs)
//   swift run -c release fedplane-bench hierarchy --objectives cost,latency,carbon --pymoo [--operators integer|categorical]
//                                                           (the same, side by side with pymoo's NSGA-II on the exported problem)
//   swift run -c release fedplane-bench rounds [--model-bytes N] [--participants P] [--rounds R] [--trainer-startup S] [--persistent]
//                                                           (real rounds, phase by phase, with peak memory)
import Foundation

enum Bench {
    static let suites: [(name: String, run: @Sendable ([String]) throws -> Void)] = [
        ("spec", SpecBench.run),
        ("state", StateBench.run),
        ("plan", PlanBench.run),
        ("placement", PlacementBench.run),
        ("hierarchy", HierarchyBench.run),
        ("fedavg", FedAvgBench.run),
        ("quickstart", QuickstartBench.run),
        ("rounds", RoundsBench.run),
        ("zdt1", { try OptimizerBench.run(["zdt1"] + $0) }),
        ("quality", { try OptimizerBench.run(["quality"] + $0) }),
    ]
}

let args = Array(CommandLine.arguments.dropFirst())
guard let name = args.first, let suite = Bench.suites.first(where: { $0.name == name }) else {
    print("usage: fedplane-bench <\(Bench.suites.map(\.name).joined(separator: "|"))> [options]")
    exit(2)
}
do {
    try suite.run(Array(args.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("fedplane-bench \(name): \(error)\n".utf8))
    exit(1)
}
