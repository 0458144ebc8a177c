import ArgumentParser
import FedPlan
import FedRuntime
import Foundation

extension Fedplane {
    /// The aggregator service, as the provider starts it on the aggregator's host.
    struct Aggregator: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the aggregator service (started by apply; not usually run by hand).",
            shouldDisplay: false)

        @Option(help: "Port to listen on, on 127.0.0.1 (0: any free port).")
        var port: Int = 0

        @Option(name: .customLong("token-file"), help: "A file holding the run's bearer token.")
        var tokenFile: String

        @Option(name: .customLong("ready-file"), help: "Write the listening port here once ready.")
        var readyFile: String?

        func run() throws {
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw ValidationError("the token file \(tokenFile) is empty") }
            let ready = readyFile
            let failure: String? = Blocking.run {
                do {
                    try await AggregatorService.serve(port: port, token: token) { bound in
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
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: assignment))
                let a = try JSONDecoder().decode(AgentAssignment.self, from: data)
                // Test support: hold the task so a test can kill this process mid-round or let a
                // round deadline pass: `MS` for every agent, or `participant:MS` for one.
                if let hold = ProcessInfo.processInfo.environment["FEDPLANE_TEST_AGENT_DELAY_MS"] {
                    let parts = hold.split(separator: ":")
                    if parts.count == 1, let ms = UInt32(parts[0]) { usleep(ms * 1000) }
                    if parts.count == 2, parts[0] == Substring(a.participant), let ms = UInt32(parts[1]) { usleep(ms * 1000) }
                }
                try Agent(assignment: a).run(round: round, evaluateOnly: evaluateOnly)
            } catch {
                Console.stderr("error: agent: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
