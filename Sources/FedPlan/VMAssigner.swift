import FedCloud
import FedDigest
import FedOrchestrate
import FedSpec
import FedRuntime
import Foundation

/// At apply, the planned VM of an assignment gets the participant's task through the same
/// `RoundOrchestrator` the training rounds (and `fedplane simulate orchestrator`) use: it must
/// pass its health probe within `training.retry.taskTimeout`; if it fails, the task moves to the
/// next VM of the queue, up to `training.retry.attempts`.
struct VMAssigner {
    let spec: Spec
    let providers: ProviderSet

    /// The change as it will really be applied (another VM when the planned one failed), and the
    /// queue cursor to save; throws when no VM can take the task.
    func confirm(_ change: ResourceChange) throws -> (change: ResourceChange, cursor: Int?) {
        guard change.kind == .assignment, change.action != .delete,
              let name = change.after?["participant"]?.stringValue, let planned = change.after?["vm"]?.stringValue,
              let index = spec.participants.firstIndex(where: { $0.name == name }),
              let prober = providers.prober(change.provider) else { return (change, nil) }
        let p = spec.participants[index]
        let start = p.vms.firstIndex { $0.id == planned } ?? 0
        let orchestrator = RoundOrchestrator(retry: spec.training.retry)
        let runner = ProbeRunner(prober: prober)
        let outcome = Blocking.run { await orchestrator.run(round: 0, participant: p, cursor: start, runner: runner) }
        guard let vm = outcome.trainedOn else {
            throw PlanError(mark: p.mark, path: "participants[\(index)].vms",
                            message: "no VM of participant \(name) can take its task: \(outcome.summary)")
        }
        guard vm != planned else { return (change, outcome.cursor) }
        var c = change
        var after = change.after?.objectValue ?? [:]
        after["vm"] = .string(vm)
        c.after = .object(after)
        c.inputsHash = c.after?.digest
        c.reasons.append("at apply: \(outcome.attempts.filter { !$0.result.succeeded }.map(\.description).joined(separator: "; ")); \(vm) took the task")
        return (c, outcome.cursor)
    }
}

/// Runs the provider's health probe as the orchestrator's task, off the concurrency pool (a probe
/// of a hung VM blocks until its timeout).
struct ProbeRunner: TaskRunner {
    let prober: any VMProber

    func run(_ task: ParticipantTask, on vm: VMSpec, timeout: TimeSpan) async -> TaskResult {
        await withCheckedContinuation { (k: CheckedContinuation<TaskResult, Never>) in
            DispatchQueue.global().async {
                switch prober.probe(participant: task.participant, vm: vm.id, timeoutSeconds: timeout.seconds, readOnly: false) {
                case .healthy, .notProvisioned: k.resume(returning: .succeeded)
                case .timedOut: k.resume(returning: .timedOut)
                case .unhealthy(let why): k.resume(returning: .failed(reason: why))
                }
            }
        }
    }
}
