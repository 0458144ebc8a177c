import FedCatalog
import FedPlan
import FedSpec
import Foundation

/// The aggregator placement of the case study over the whole bundled catalog: estimate every
/// candidate, the exact front by enumeration, NSGA-II (the spec's population × generations)
/// checked against it, pick by weights.
enum PlacementBench {
    static func run(_ args: [String]) throws {
        let path = BenchArgs.value("--spec", in: args) ?? "specs/covid19-multicloud.yaml"
        let iterations = Int(BenchArgs.value("--iterations", in: args) ?? "11") ?? 11
        let ws = try Workspace.load(specPath: path, statePath: nil, credentialCheck: .skip)
        var times: [Double] = []
        var decision: PlacementDecision?
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            decision = try ws.optimizer().decide()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        guard let d = decision else { return }
        let s = ws.spec.aggregator.optimizer
        print("placement: \(d.candidates.count) candidates of catalog \(ws.catalog.version), NSGA-II \(s.population) × \(s.generations), \(d.frontIsExact ? "exact" : "approximate") front \(d.front.count), chosen \(d.choice.label)")
        if let outcome = d.search.outcome { print("  NSGA-II \(outcome)") }
        print("  estimate + exact front + NSGA-II + choose: " + BenchArgs.summary(times))
    }
}
