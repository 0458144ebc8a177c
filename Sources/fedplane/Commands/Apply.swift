import ArgumentParser
import FedPlan
import FedSpec
import FedState
import Foundation

extension Fedplane {
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the federation match the spec (or carry out a saved plan).",
            discussion: """
            Without a plan file it plans under the state lock, shows the plan and asks for 'yes' \
            (without a terminal it refuses unless --auto-approve). With a plan file it applies exactly \
            that plan, and refuses it if the state or the spec changed since it was made.
            """
        )

        @Argument(help: "A plan saved by `fedplane plan --out`.")
        var planFile: String?

        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions

        @Flag(name: .customLong("auto-approve"), help: "Apply without asking for confirmation.")
        var autoApprove = false

        func run() throws {
            try ApplyFlow(spec: spec, state: state, output: output, autoApprove: autoApprove).run(mode: .normal, planFile: planFile)
        }
    }

    struct Destroy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Destroy every resource of the federation (same confirmation rules as apply)."
        )

        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions

        @Flag(name: .customLong("auto-approve"), help: "Destroy without asking for confirmation.")
        var autoApprove = false

        func run() throws {
            try ApplyFlow(spec: spec, state: state, output: output, autoApprove: autoApprove).run(mode: .destroy, planFile: nil)
        }
    }
}

/// apply and destroy: plan (or read a saved plan) under the lock, confirm, back up, apply.
struct ApplyFlow {
    let spec: SpecOptions
    let state: StateOptions
    let output: OutputOptions
    let autoApprove: Bool

    func run(mode: FedPlan.Plan.Mode, planFile: String?) throws {
        var specPath = spec.file
        do {
            var saved: (plan: FedPlan.Plan, path: String)?
            if let planFile {
                let data = Data(try ReferencedFile.read(planFile, kind: .plan))
                let decoded = try PlanFile.decode(data, path: planFile)
                saved = (decoded.plan, planFile)
                specPath = decoded.specPath
            }
            let ws = try Workspace.load(specPath: specPath, statePath: state.path,
                                        credentialCheck: mode == .destroy ? .warn : .require)
            DiagnosticsView.printHuman(ws.warnings)
            let existed = ws.stateExists
            if mode == .destroy && !existed {
                print("No state at \(ws.statePath): nothing to destroy.")
                return
            }
            guard let store = try ws.openState(create: true) else { return }
            var applied = false
            defer {
                store.close()
                // A first apply that changed nothing leaves no empty state behind.
                if !existed && !applied { StateFiles.remove(ws.statePath) }
            }
            try ws.withLock(store, operation: mode == .destroy ? "destroy" : "apply", timeout: state.timeout()) {
                let snapshot = try store.snapshot()
                let plan: FedPlan.Plan
                if let saved {
                    try SavedPlanCheck.verify(saved.plan, path: saved.path, state: snapshot, specDigest: ws.specDigest,
                                               catalogVersion: ws.catalog.version)
                    plan = saved.plan
                } else {
                    plan = try ws.makePlan(mode: mode, state: snapshot)
                }
                PlanView.print(plan, output)
                guard plan.canApply else { return }
                try ws.checkProviders(plan)
                if saved == nil {
                    try Confirmation.ask(mode == .destroy ? "Destroy all resources of \(plan.federation)?" : "Apply this plan to \(plan.federation)?",
                                         command: mode == .destroy ? "destroy" : "apply", autoApprove: autoApprove)
                }
                applied = true
                let outcome = try ws.apply(plan, to: store, checkpoint: CrashPoint.fromEnvironment(),
                                           progress: { Console.stderr(ProgressBar.decorate($0)) })
                print("\n\(mode == .destroy ? "Destroy" : "Apply") complete! \(outcome.summary)")
            }
        } catch {
            throw Failure.report(error, specPath: specPath)
        }
    }
}

/// On a terminal, a round line gets a bar in front: `[######----] round 6/10: …`.
enum ProgressBar {
    static let enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    static func decorate(_ line: String) -> String {
        guard enabled, line.hasPrefix("round "), let slash = line.firstIndex(of: "/") else { return line }
        let done = Int(line[line.index(line.startIndex, offsetBy: 6)..<slash]) ?? 0
        let total = Int(line[line.index(after: slash)...].prefix { $0.isNumber }) ?? 0
        guard total > 0 else { return line }
        let width = 20, filled = min(width, done * width / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] " + line
    }
}

enum StateFiles {
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        // And the .fedplane directory, when this left it empty.
        let dir = (path as NSString).deletingLastPathComponent
        if (try? FileManager.default.contentsOfDirectory(atPath: dir))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: dir)
        }
    }
}

/// Test support, read from the environment:
/// - `FEDPLANE_TEST_CRASH_AT=<step>:<before|after>` makes apply kill itself with SIGKILL at that
///   step's phase, so tests can crash a real apply exactly there;
/// - `FEDPLANE_TEST_STEP_DELAY_MS=N` holds each step N ms, so tests can overlap two applies.
enum CrashPoint {
    static func fromEnvironment() -> @Sendable (Int, Applier.Phase) -> Void {
        let env = ProcessInfo.processInfo.environment
        let delay = env["FEDPLANE_TEST_STEP_DELAY_MS"].flatMap { UInt32($0) } ?? 0
        var crash: (step: Int, phase: String)?
        if let spec = env["FEDPLANE_TEST_CRASH_AT"] {
            let parts = spec.split(separator: ":")
            if parts.count == 2, let step = Int(parts[0]) { crash = (step, String(parts[1])) }
        }
        let target = crash
        return { s, p in
            if p == .beforeEffect && delay > 0 { usleep(delay * 1000) }
            if let target, s == target.step && p.rawValue == target.phase { kill(getpid(), SIGKILL) }
        }
    }
}
