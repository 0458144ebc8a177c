import ArgumentParser

@main
struct Fedplane: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "fedplane",
        abstract: "Plan, build and run federated-learning environments across clouds from a YAML spec.",
        version: version,
        subcommands: [Validate.self, PlanCommand.self, Apply.self, Destroy.self, Optimize.self, Show.self, State.self,
                      Refresh.self, ForceUnlock.self, CatalogCommand.self, Simulate.self, Models.self,
                      Aggregator.self, AgentCommand.self]
    )
}
