import ArgumentParser

@main
struct Fedplane: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "fedplane",
        abstract: "Plan, build and run federated-learning environments across clouds from a YAML spec.",
        discussion: """
        Start with `fedplane init` (a starter spec) or `-f specs/quickstart.yaml`. Shell completion: \
        `fedplane --generate-completion-script bash` (or zsh, fish) prints a script to source.
        """,
        version: version,
        subcommands: [Init.self, Validate.self, PlanCommand.self, Apply.self, Destroy.self, Optimize.self, Show.self, State.self,
                      Refresh.self, ForceUnlock.self, Audit.self, Cost.self, CatalogCommand.self, Simulate.self, Models.self,
                      Aggregator.self, AgentCommand.self, Auth.self, StopTrainer.self]
    )

    static func main() {
        MemoryPolicy.apply()
        main(nil)
    }
}
