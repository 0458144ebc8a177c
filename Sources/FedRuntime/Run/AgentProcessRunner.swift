import FedCloud
import FedOrchestrate
import FedProcess
import FedSpec
import FedTrace
import Foundation

/// Runs a participant task as a real `fedplane agent` process in the assigned VM's working
/// directory: the orchestrator's TaskRunner for training rounds. A process that exits non-zero,
/// is killed, or outlives the task timeout is a failed task, and the orchestrator moves on to the
/// next VM.
struct AgentProcessRunner: TaskRunner {
    let provider: LocalProvider
    let makeAssignment: @Sendable (String, String) -> AgentAssignment
    let evaluateOnly: Bool

    func run(_ task: ParticipantTask, on vm: VMSpec, timeout: TimeSpan) async -> TaskResult {
        await withCheckedContinuation { (k: CheckedContinuation<TaskResult, Never>) in
            DispatchQueue.global().async { k.resume(returning: runBlocking(task, vm: vm, timeout: timeout)) }
        }
    }

    private func runBlocking(_ task: ParticipantTask, vm: VMSpec, timeout: TimeSpan) -> TaskResult {
        if let reason = Shutdown.reason { return .failed(reason: reason) }
        let dir = provider.vmDirectory(participant: task.participant, vm: vm.id)
        switch provider.probe(participant: task.participant, vm: vm.id, timeoutSeconds: min(timeout.seconds, 5), readOnly: false) {
        case .unhealthy(let why): return .failed(reason: why)
        case .timedOut: return .timedOut
        case .healthy, .notProvisioned: break
        }
        do {
            let assignment = makeAssignment(task.participant, vm.id)
            let file = dir.appendingPathComponent("assignment.json")
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            try e.encode(assignment).write(to: file, options: .atomic)
            // The assignment names the participant's key: only its owner may read it.
            chmod(file.path, 0o600)
            var args = ["agent", "--assignment", file.path, "--round", "\(task.round)"]
            if evaluateOnly { args.append("--evaluate-only") }
            let trace = Tracer(role: "coordinator", participant: task.participant)
            let spawned = Tracer.now()
            let p = try RunProcesses.start(args, in: dir, log: "agent.log")
            try? Data("\(p.pid)\n".utf8).write(to: dir.appendingPathComponent("agent.pid"))
            let ended = RunProcesses.wait(p, seconds: timeout.seconds)
            trace.record("agentProcess", round: task.round, start: spawned, end: Tracer.now())
            guard let status = ended else { return .timedOut }
            if status == 0 { return .succeeded }
            if let reason = Shutdown.reason { return .failed(reason: "agent stopped: \(reason)") }
            let tail = (try? String(contentsOf: dir.appendingPathComponent("agent.log"), encoding: .utf8))?
                .split(separator: "\n").last.map(String.init) ?? ""
            return .failed(reason: status > 128 ? "agent killed by signal \(status - 128)" : "agent exited \(status): \(tail)")
        } catch {
            return .failed(reason: "could not start the agent: \(error)")
        }
    }
}
