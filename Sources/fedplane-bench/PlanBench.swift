import FedPlan
import FedState
import Foundation

/// `plan` for N participants × M VMs against a state of the same size, timed the way the CLI
/// runs it: load + validate the spec, read the state, observe the local resources, diff, render.
enum PlanBench {
    static func run(_ args: [String]) throws {
        let participants = Int(BenchArgs.value("--participants", in: args) ?? "1000") ?? 1000
        let vms = Int(BenchArgs.value("--vms", in: args) ?? "5") ?? 5
        let iterations = Int(BenchArgs.value("--iterations", in: args) ?? "7") ?? 7
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-plan-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("bench.yaml")
        try Data(SpecBench.generate(participants: participants, vms: vms, local: true).utf8).write(to: spec)

        // Bring the state to the spec once, so the timed plans diff a full state.
        let ws = try Workspace.load(specPath: spec.path, statePath: nil, credentialCheck: .skip)
        let applyStart = DispatchTime.now().uptimeNanoseconds
        guard let store = try ws.openState(create: true) else { throw BenchError("no state") }
        // Everything but the training run (whose data paths do not exist here): the timed
        // plans then diff a full state with only run.1 still to create.
        let outcome = try ws.withLock(store, operation: "apply", timeout: .zero) {
            let full = try ws.makePlan(mode: .normal, state: try store.snapshot())
            return try ws.apply(try full.targeting(full.changes.map(\.address).filter { !$0.hasPrefix("run.") }), to: store)
        }
        let applyMs = Double(DispatchTime.now().uptimeNanoseconds - applyStart) / 1e6
        store.close()

        var times: [Double] = []
        var rendered = 0
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            let ws = try Workspace.load(specPath: spec.path, statePath: nil, credentialCheck: .skip)
            let snapshot = try ws.openState(create: false)?.snapshot()
            let plan = try ws.makePlan(mode: .normal, state: snapshot)
            rendered = HumanPlanRenderer(color: false).render(plan).count
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            guard !plan.changes.contains(where: { $0.action != .noOp && !$0.address.hasPrefix("run.") }) else {
                throw BenchError("the plan after apply changes more than the run: \(plan.summaryLine)")
            }
        }
        print("plan: \(participants) participants × \(vms) VMs against a state of \(outcome.added) resources in \(store.location) (first apply \(String(format: "%.0f", applyMs)) ms)")
        print("  load + validate + read state + observe + diff + render (\(rendered) bytes): " + BenchArgs.summary(times))
        print("  peak RSS of this process: \(BenchArgs.peakRSSMiB()) MiB")
    }
}
