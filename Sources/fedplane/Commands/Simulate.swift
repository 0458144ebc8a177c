import ArgumentParser
import FedOrchestrate
import FedPlan
import FedRuntime
import Foundation

extension Fedplane {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay parts of fedplane against a seeded model of the world.",
            subcommands: [Orchestrator.self]
        )

        struct Orchestrator: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "orchestrator",
                abstract: "Compare the task orchestrator with random VM selection over simulated rounds.",
                discussion: """
                Both strategies face the same seeded failures: an inactive VM never answers, a VM under \
                the minimum resources fails, and an active eligible VM fails a task with probability p. \
                The orchestrator is the same RoundOrchestrator apply uses (circular queue, retry on the \
                next VM); the baseline picks one VM of the inventory at random, without retry.
                """
            )

            @OptionGroup var spec: SpecOptions
            @OptionGroup var output: OutputOptions

            @Option(help: "Rounds to simulate (default: the spec's training.rounds).")
            var rounds: Int?

            @Option(help: "Seed of the failure model.")
            var seed: UInt64 = 1

            @Option(name: .customLong("failure-probability"), help: "Chance that an eligible, active VM fails a task.")
            var failureProbability: Double = FailureModel.defaultFailureProbability

            func validate() throws {
                if let rounds, rounds < 1 { throw ValidationError("--rounds must be at least 1") }
                guard (0...1).contains(failureProbability) else { throw ValidationError("--failure-probability must be between 0 and 1") }
            }

            func run() throws {
                do {
                    let ws = try Workspace.load(specPath: spec.file, statePath: nil, credentialCheck: .skip)
                    let simulation = OrchestratorSimulation(spec: ws.spec, rounds: rounds, seed: seed,
                                                            failureProbability: failureProbability)
                    let result = Blocking.run { await simulation.run() }
                    print(output.json ? try result.renderJSON() : result.renderTable(), terminator: output.json ? "\n" : "")
                } catch { throw Failure.report(error, specPath: spec.file) }
            }
        }
    }
}
