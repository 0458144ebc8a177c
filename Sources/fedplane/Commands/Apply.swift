import ArgumentParser
import FedPlan
import FedProcess
import FedSpec
import FedState
import FedRuntime
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

        @Option(name: .customLong("target"), help: ArgumentHelp("Apply only this resource and what it depends on (repeatable).", valueName: "address"))
        var targets: [String] = []

        func run() throws {
            try ApplyFlow(spec: spec, state: state, output: output, autoApprove: autoApprove, targets: targets).run(mode: .normal, planFile: planFile)
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
    var targets: [String] = []

    func run(mode: FedPlan.Plan.Mode, planFile: String?) throws {
        var specPath = spec.file
        let session = ApplySession(operation: mode == .destroy ? "destroy" : "apply")
        let trap = session.trapSignals()
        defer { trap.remove() }
        do {
            var saved: (plan: FedPlan.Plan, path: String, specPath: String)?
            if let planFile {
                let data = Data(try ReferencedFile.read(planFile, kind: .plan))
                // Saved plans are written 0600; one others can read was widened after the fact.
                if let w = PrivateFiles.warning(file: planFile) { Console.stderr("warning: \(w)") }
                let decoded = try PlanFile.decode(data, path: planFile)
                saved = (decoded.plan, planFile, decoded.specPath)
                // The plan names its spec; an explicit -f must be that spec (same federation, same contents).
                if !SpecOptions.givenOnCommandLine { specPath = decoded.specPath }
            }
            let ws = try Workspace.load(specPath: specPath, statePath: state.path,
                                        credentialCheck: mode == .destroy ? .warn : .require)
            if let saved {
                try SavedPlanCheck.requireSpec(saved.plan, path: saved.path, madeFrom: saved.specPath, specPath: ws.specPath,
                                               federation: ws.spec.metadata.name, specDigest: ws.specDigest)
            }
            DiagnosticsView.printHuman(ws.warnings)
            let existed = ws.stateExists
            if mode == .destroy && !existed {
                print("No state at \(ws.stateSource): nothing to destroy.")
                return
            }
            guard let store = try ws.openState(create: true) else { return }
            session.attach(store: store, removeStateOnCancel: existed || ws.stateSource.isRemote ? nil : ws.statePath)
            var applied = false
            defer {
                store.close()
                // A first apply that changed nothing leaves no empty state behind.
                if !existed && !applied && !ws.stateSource.isRemote { StateFiles.remove(ws.statePath) }
            }
            try ws.withLock(store, operation: mode == .destroy ? "destroy" : "apply", timeout: state.timeout()) {
                let snapshot = try store.snapshot()
                let plan: FedPlan.Plan
                if let saved {
                    try SavedPlanCheck.verify(saved.plan, path: saved.path, state: snapshot, specDigest: ws.specDigest,
                                               catalogVersion: ws.catalog.version)
                    plan = saved.plan
                } else {
                    plan = try ws.makePlan(mode: mode, state: snapshot).targeting(targets)
                    if mode == .normal { try ws.verifyClouds(plan) }
                }
                PlanView.print(plan, output)
                guard plan.canApply else { return }
                try ws.checkProviders(plan)
                if saved == nil {
                    try Confirmation.ask(mode == .destroy ? "Destroy all resources of \(plan.federation)?" : "Apply this plan to \(plan.federation)?",
                                         command: mode == .destroy ? "destroy" : "apply", autoApprove: autoApprove)
                }
                applied = true
                guard session.beginApplying() else { return }
                let outcome = try ws.apply(plan, to: store, checkpoint: CrashPoint.fromEnvironment(),
                                           progress: { Console.stderr(ProgressBar.decorate($0)) })
                print("\n\(mode == .destroy ? "Destroy" : "Apply") complete! \(outcome.summary)")
                if mode == .destroy {
                    print(ApplyOutputs.afterDestroy(ws, store: store, specPath: specPath))
                }
            }
            if applied && mode == .normal && !output.json && Shutdown.signal == nil {
                print(ApplyOutputs.afterApply(ws, specPath: specPath))
            }
        } catch let e as Interrupted {
            session.finishStopping()
            // One line: what stopped where, what was recorded; the lock was released on the way out.
            Console.stderr("error: \(e.description.hasSuffix(".") ? String(e.description.dropLast()) : e.description). The state lock was released; run the same command again to continue.")
            throw ExitCode(Shutdown.exitStatus(e.signal))
        } catch {
            if let sig = Shutdown.signal {
                session.finishStopping()
                Console.stderr("error: interrupted by \(Shutdown.name(sig)): \(error). The state lock was released; run the same command again to continue.")
                throw ExitCode(Shutdown.exitStatus(sig))
            }
            throw Failure.report(error, specPath: specPath)
        }
    }
}

/// What apply and destroy do with SIGINT and SIGTERM. Before the first step nothing has changed:
/// the command ends at once (releasing the lock). While applying, the first signal stops every
/// child (aggregator, agents, trainers: each as a whole process tree) and the apply stops at
/// its next safe point (between steps and rounds; a round in flight is not committed), records
/// where it got to, releases the lock and exits 128 + signal. A second signal kills the
/// children at once; if the apply has still not ended 5 s later, the lock is released and the
/// process exits.
final class ApplySession: @unchecked Sendable {
    private let mutex = NSLock()
    private var store: (any StateBackend)?
    private var removeStateOnCancel: String?
    private var applying = false
    private let stopping = DispatchGroup()
    let operation: String

    init(operation: String) { self.operation = operation }

    func attach(store: any StateBackend, removeStateOnCancel: String?) {
        mutex.withLock {
            self.store = store
            self.removeStateOnCancel = removeStateOnCancel
        }
    }

    /// Marks the start of the first step; false when a signal already came.
    func beginApplying() -> Bool {
        mutex.withLock {
            applying = true
            return Shutdown.signal == nil
        }
    }

    /// Waits until every child stopped by a signal is gone (and stops any still running).
    func finishStopping() {
        stopping.wait()
        ChildProcess.stopAll(grace: 0)
    }

    func trapSignals() -> SignalTrap {
        SignalTrap(first: { [self] sig in
            let (isApplying, store, remove) = mutex.withLock { (applying, self.store, removeStateOnCancel) }
            guard isApplying else {
                // Still planning or asking: nothing was changed.
                store?.releaseHeldLock()
                if let remove { StateFiles.remove(remove) }
                Console.stderr("\nerror: \(operation) cancelled by \(Shutdown.name(sig)) before any change; nothing was changed.")
                _exit(Shutdown.exitStatus(sig))
            }
            Console.stderr("\n\(Shutdown.name(sig)) received: stopping the aggregator, agents and trainers; \(operation) stops at the next safe point and records where it got to (send it again to stop at once).")
            stopping.enter()
            DispatchQueue.global().async { [self] in
                ChildProcess.stopAll(grace: 5)
                stopping.leave()
            }
        }, second: { [self] sig in
            Console.stderr("\(Shutdown.name(sig)) again: stopping at once.")
            ChildProcess.stopAll(grace: 0)
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { [self] in
                ChildProcess.stopAll(grace: 0)
                mutex.withLock { store }?.releaseHeldLock()
                Console.stderr("error: \(operation) aborted by \(Shutdown.name(sig)); the state lock was released. The next \(operation) reconciles what this one left unrecorded.")
                _exit(Shutdown.exitStatus(sig))
            }
        })
    }
}

extension SpecOptions {
    /// Whether -f/--file was on the command line (the default "fedplane.yaml" was not meant).
    static var givenOnCommandLine: Bool {
        CommandLine.arguments.dropFirst().contains { $0 == "-f" || $0 == "--file" || $0.hasPrefix("--file=") || ($0.hasPrefix("-f") && !$0.hasPrefix("--")) }
    }
}

/// The short outputs block after apply and the history note after destroy.
enum ApplyOutputs {
    static func afterApply(_ ws: Workspace, specPath: String) -> String {
        let f = shellQuoted(specPath)
        return """

        Outputs:
          state   \(ws.stateSource)
          models  \(ws.modelRoot.path)
        Next:
          fedplane models best -f \(f)
          fedplane models pull best -o model.safetensors -f \(f)
          fedplane show -f \(f)
        """
    }

    static func afterDestroy(_ ws: Workspace, store: any StateBackend, specPath: String) -> String {
        let runs = (try? store.runs()) ?? []
        guard let last = runs.map(\.run).max() else { return "" }
        let models = runs.reduce(0) { $0 + ((try? store.models(run: $1.run).count) ?? 0) }
        return """
        Kept as history: \(runs.count == 1 ? "run 1" : "runs 1–\(last)") with \(models) recorded models, in the state \(ws.stateSource) \
        and the model store \(ws.modelRoot.path) (`fedplane models list -f \(shellQuoted(specPath))` shows them). \
        The next apply trains a fresh run \(last + 1). To drop the history as well, delete those two.
        """
    }

    static func shellQuoted(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
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
