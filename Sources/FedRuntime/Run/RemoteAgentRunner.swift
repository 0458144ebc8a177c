import FedCloud
import FedHTTP
import FedHost
import FedOrchestrate
import FedProcess
import FedSpec
import Foundation

/// Runs a participant task as `fedplane agent` on the assigned VM over SSH: the binary, the
/// participant's certificate and key and the assignment reach the VM through the connection
/// (0600, never on a command line), the agent runs in its own session in the participant's
/// directory there, and a task that outlives its timeout has its remote process group stopped.
/// A dead connection fails the task, and the orchestrator moves it to the next VM.
struct RemoteAgentRunner: TaskRunner {
    let provider: SSHProvider
    let makeAssignment: @Sendable (String, String) -> AgentAssignment
    let evaluateOnly: Bool
    /// Local files (certificates, key) to copy next to the assignment: remote name → local file.
    let credentials: @Sendable (String) -> [String: URL]

    func run(_ task: ParticipantTask, on vm: VMSpec, timeout: TimeSpan) async -> TaskResult {
        await withCheckedContinuation { (k: CheckedContinuation<TaskResult, Never>) in
            DispatchQueue.global().async { k.resume(returning: runBlocking(task, vm: vm, timeout: timeout)) }
        }
    }

    private func runBlocking(_ task: ParticipantTask, vm: VMSpec, timeout: TimeSpan) -> TaskResult {
        if let reason = Shutdown.reason { return .failed(reason: reason) }
        guard let machine = provider.machines[task.participant]?[vm.id] else {
            return .failed(reason: "\(vm.id) has no host in the ssh cloud \(provider.cloud)")
        }
        switch provider.probe(participant: task.participant, vm: vm.id, timeoutSeconds: min(timeout.seconds, 10), readOnly: false) {
        case .unhealthy(let why): return .failed(reason: why)
        case .timedOut: return .timedOut
        case .healthy, .notProvisioned: break
        }
        let host = machine.host
        let dir = provider.participantDirectory(machine, participant: task.participant)
        do {
            let binary = try AgentBinary.shared.ensure(on: host, federationDirectory: provider.federationDirectory(machine), installed: machine.agentPath)
            var assignment = makeAssignment(task.participant, vm.id)
            for (name, file) in credentials(task.participant) { try host.put(file, to: "\(dir)/tls/\(name)") }
            assignment.tls = assignment.tls.map { _ in ClientTLS(caFile: "tls/ca.pem", certificateFile: "tls/client.pem", keyFile: "tls/client.key") }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            try host.put(try e.encode(assignment), to: "\(dir)/assignment.json")
            let relative = AgentBinary.command(binary, installed: machine.agentPath)
            var argv = [relative, "agent", "--assignment", "assignment.json", "--round", "\(task.round)"]
            if evaluateOnly { argv.append("--evaluate-only") }
            guard let status = try host.runToEnd(argv, in: dir, log: "agent.log", pidFile: "agent.pid", timeout: timeout.seconds) else {
                return .timedOut
            }
            if status == 0 { return .succeeded }
            if let reason = Shutdown.reason { return .failed(reason: "agent stopped: \(reason)") }
            let tail = host.tail("\(dir)/agent.log", lines: 3).split(separator: "\n").map(String.init).joined(separator: " / ")
            return .failed(reason: "agent on \(host.label) exited \(status): \(tail)")
        } catch let e as HostError {
            return e.kind == .timedOut ? .timedOut : .failed(reason: "ssh \(e.host): \(e.operation): \(e.message)")
        } catch {
            return .failed(reason: "\(host.label): \(error)")
        }
    }
}
