import ArgumentParser
import FedPlan
import FedRuntime
import FedTrace
import FedTrain
import FedProcess
import Foundation

extension Fedplane {
    /// The aggregator service, as the provider starts it on the aggregator's host.
    struct Aggregator: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the aggregator service (started by apply; not usually run by hand).",
            shouldDisplay: false)

        @Option(help: "Port to listen on (0: any free port).")
        var port: Int = 0

        @Option(help: "Address to listen on (0.0.0.0: every address of the host).")
        var bind: String = "127.0.0.1"

        @Option(help: "The run's aggregator file written by apply (participants, credentials' paths).")
        var config: String

        @Option(name: .customLong("ready-file"), help: "Write the listening port here once ready.")
        var readyFile: String?

        func run() throws {
            let launch = try AggregatorLaunch.read(config)
            // TLS only: identity comes from the client certificate.
            guard launch.tls != nil else { throw ValidationError("the aggregator file \(config) names no TLS credentials") }
            let identity = try CertificateIdentity(launch: launch)
            let identify: AggregatorService.Identify = { _, context in try await identity.identify(context.channel) }
            let state = launch.aggregation.map { AggregatorState(participants: launch.participants, aggregate: $0.aggregation) }
                ?? AggregatorState(participants: launch.participants)
            let ready = readyFile
            let tls = launch.tls
            let parent = launch.parent
            let failure: String? = Blocking.run {
                do {
                    try await AggregatorService.serve(port: port, bind: bind, state: state, identify: identify, tls: tls, parent: parent) { bound in
                        if let ready { try? Data("\(bound)\n".utf8).write(to: URL(fileURLWithPath: ready), options: .atomic) }
                    }
                    return nil
                } catch { return "\(error)" }
            }
            if let failure {
                Console.stderr("error: aggregator: \(failure)")
                throw ExitCode.failure
            }
        }
    }

    /// One participant task, as the orchestrator starts it on the assigned VM.
    struct AgentCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agent",
            abstract: "Run one participant task (started by apply on the assigned VM).",
            shouldDisplay: false)

        @Option(help: "The agent assignment file written by apply.")
        var assignment: String

        @Option(help: "The round to take part in.")
        var round: Int

        @Flag(name: .customLong("evaluate-only"), help: "Only evaluate the global model (the pass after the last round).")
        var evaluateOnly = false

        func run() throws {
            // Stopped by the run that started it (or, on a remote host, by the session's
            // watchdog once fedplane is gone): the trainer it started goes with it, whatever
            // process group that is in.
            let trap = SignalTrap(first: { sig in
                ChildProcess.stopAll(grace: 2)
                _exit(Shutdown.exitStatus(sig))
            }, second: { sig in
                ChildProcess.stopAll(grace: 0)
                _exit(Shutdown.exitStatus(sig))
            })
            defer { trap.remove() }
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: assignment))
                let a = try JSONDecoder().decode(AgentAssignment.self, from: data)
                let trace = Tracer(role: "agent", participant: a.participant)
                trace.mark("main", round: round)
                defer { trace.mark("exit", round: round) }
                // Test support: hold the task so a test can kill this process mid-round or let a
                // round deadline pass: `MS` for every agent, or `participant:MS` for one.
                if let hold = ProcessInfo.processInfo.environment["FEDPLANE_TEST_AGENT_DELAY_MS"] {
                    let parts = hold.split(separator: ":")
                    if parts.count == 1, let ms = UInt32(parts[0]) { usleep(ms * 1000) }
                    if parts.count == 2, parts[0] == Substring(a.participant), let ms = UInt32(parts[1]) { usleep(ms * 1000) }
                }
                // Test support: a hostile participant, `participant:nan|inf|samples|names`.
                var tamper: (@Sendable (LocalUpdate) -> LocalUpdate)?
                if let poison = ProcessInfo.processInfo.environment["FEDPLANE_TEST_AGENT_POISON"] {
                    let parts = poison.split(separator: ":").map(String.init)
                    if parts.count == 2, parts[0] == a.participant { tamper = Self.poison(parts[1]) }
                }
                try Agent(assignment: a, tamper: tamper).run(round: round, evaluateOnly: evaluateOnly)
            } catch {
                Console.stderr("error: agent: \(error)")
                throw ExitCode.failure
            }
        }

        static func poison(_ kind: String) -> @Sendable (LocalUpdate) -> LocalUpdate {
            { update in
                var u = update
                switch kind {
                case "nan": u.weights.tensors[0].tensor.values[0] = .nan
                case "inf": u.weights.tensors[0].tensor.values[0] = .infinity
                case "samples": u.trainSamples = Int.max
                case "names": u.weights.tensors[0].name += "-renamed"
                default: break
                }
                return u
            }
        }
    }

    /// Ends a VM's persistent trainer (`trainer: { command: [...], persistent: true }`), which
    /// outlives the per-round agents: the coordinator calls it for each VM at the end of a run
    /// and on destroy.
    struct StopTrainer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop-trainer",
            abstract: "Stop the persistent trainer of a VM's working directory (used by apply and destroy).",
            shouldDisplay: false)

        @Option(help: "The VM's working directory (where the agents run).")
        var workdir: String

        @Option(help: "Seconds between SIGTERM and SIGKILL.")
        var grace: Double = 2

        func run() throws {
            let stopped = PersistentTrainer.stop(workingDirectory: URL(fileURLWithPath: workdir), grace: grace)
            print(stopped ? "stopped the persistent trainer in \(workdir)" : "no persistent trainer runs in \(workdir)")
        }
    }
}
