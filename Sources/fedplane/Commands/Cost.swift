import ArgumentParser
import FedPlan
import FedState
import Foundation

extension Fedplane {
    struct Cost: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare each finished run's predicted cost with what it used.",
            discussion: """
            For every finished training run (or --run N): the plan's prediction recorded when the run \
            started (duration and its rule, aggregator compute, egress per participant) next to what \
            the run used — the aggregator's measured running time × the catalog price of its instance \
            type, and the bytes the aggregator counted per participant × the egress price of its region.
            """)

        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StatePathOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .customLong("run"), help: ArgumentHelp("Only this run.", valueName: "N"))
        var runNumber: Int?

        func run() throws {
            try Failure.reporting(specPath: spec.file) {
                let ws = try Workspace.load(specPath: spec.file, statePath: state.path, credentialCheck: .skip)
                var runs: [RunCost] = []
                if let store = try ws.openState(create: false) {
                    defer { store.close() }
                    runs = try RunCost.load(store, spec: ws.spec, catalog: ws.catalog, run: runNumber)
                } else if let run = runNumber {
                    throw CostReportError(message: "run \(run) is not recorded: there is no state at \(ws.stateSource.description) yet")
                }
                let report = CostReport(runs: runs, catalog: ws.catalog)
                print(output.json ? report.json.canonical : report.human, terminator: output.json ? "\n" : "")
            }
        }
    }
}
