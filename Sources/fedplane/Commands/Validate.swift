import ArgumentParser
import FedPlan
import FedSpec

extension Fedplane {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check federation specs for errors without touching any cloud.",
            discussion: """
            Prints every problem as file:line:column: path: message and exits 1 when there is an \
            error. Missing credentials are warnings here (they are errors in plan and apply).
            """
        )

        @Option(name: [.customShort("f"), .customLong("file")],
                help: ArgumentHelp("A federation spec (repeatable; default: fedplane.yaml when no spec is named).", valueName: "spec"))
        var files: [String] = []

        @Argument(help: "More spec files.")
        var paths: [String] = []

        @OptionGroup var output: OutputOptions

        func run() throws {
            let all = files + paths
            let targets = all.isEmpty ? [SpecOptions.defaultFile] : all
            var diagnostics: [Diagnostic] = []
            var failed = false
            for path in targets {
                // The workspace checks what plan checks, less the credentials (warnings here):
                // the spec, its catalog file, and locations against that catalog.
                do {
                    let ws = try Workspace.load(specPath: path, statePath: nil, credentialCheck: .warn)
                    let sorted = Diagnostics(ws.warnings).sorted
                    diagnostics += sorted
                    if !output.json {
                        DiagnosticsView.printHuman(sorted)
                        print("\(TerminalText.escape(path)): valid — \(SpecSummary(ws.spec))")
                    }
                } catch let d as Diagnostics {
                    failed = true
                    diagnostics += d.sorted
                    if !output.json { DiagnosticsView.printHuman(d.sorted) }
                }
            }
            if output.json { print(DiagnosticsView.json(diagnostics)) }
            if failed { throw ExitCode.failure }
        }
    }
}

/// One line about a spec: what a user checks at a glance after `validate`.
struct SpecSummary: CustomStringConvertible {
    let spec: Spec
    init(_ spec: Spec) { self.spec = spec }

    var description: String {
        let vms = spec.participants.reduce(0) { $0 + $1.vms.count }
        return "federation \(spec.metadata.name): \(spec.clouds.count) clouds, \(spec.participants.count) participants, \(vms) VMs, \(spec.training.rounds) rounds"
    }
}
