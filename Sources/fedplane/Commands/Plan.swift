import ArgumentParser
import FedPlan
import Foundation

extension Fedplane {
    struct PlanCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Show what apply would change to make the federation match the spec.",
            discussion: "Reads the state without locking it and changes nothing. Exit codes with --detailed-exitcode: 0 no changes, 1 error, 2 changes."
        )

        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StatePathOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .customLong("out"), help: ArgumentHelp("Save the plan to this file for `fedplane apply FILE` (- for standard output).", valueName: "file"))
        var out: String?

        @Flag(name: .customLong("markdown"), help: "Print a compact Markdown summary (for a pull-request comment) instead of the diff.")
        var markdown = false

        @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when there are changes.")
        var detailedExitCode = false

        @Option(name: .customLong("target"), help: ArgumentHelp("Plan only this resource and what it depends on (repeatable).", valueName: "address"))
        var targets: [String] = []

        func run() throws {
            do {
                let ws = try Workspace.load(specPath: spec.file, statePath: state.path, credentialCheck: .require)
                DiagnosticsView.printHuman(ws.warnings)
                let snapshot = try ws.openState(create: false)?.snapshot()
                let plan = try ws.makePlan(mode: .normal, state: snapshot).targeting(targets)
                try ws.verifyClouds(plan)
                var problems: [String] = []
                do { try ws.checkProviders(plan) } catch let e as PlanErrors {
                    problems = e.errors.map { $0.diagnostic(file: spec.file).rendered.replacingOccurrences(of: ": clouds.", with: ": warning: clouds.") + "; apply will stop here" }
                }
                if markdown {
                    let warnings = ws.warnings.map { $0.rendered } + problems
                    print(MarkdownPlanRenderer(warnings: warnings).render(plan), terminator: "")
                } else {
                    PlanView.print(plan, output)
                }
                for p in problems { Console.stderr(p) }
                if let out {
                    let written = try OutputFile(out, newFileMode: 0o600).write(try PlanFile.encode(plan, specPath: ws.specPath, toolVersion: Fedplane.version))
                    if !output.json && !markdown && !written.toStandardOutput {
                        print("\nSaved the plan to \(out). Apply exactly this plan with: \(Hint.command("apply \(Hint.shellQuoted(out))", spec: spec, statePath: state.path))")
                    }
                }
                if detailedExitCode && plan.canApply { throw ExitCode(2) }
            } catch {
                throw Failure.report(error, specPath: spec.file)
            }
        }
    }
}

enum PlanView {
    static func print(_ plan: Plan, _ output: OutputOptions) {
        if output.json {
            Swift.print(JSONPlanRenderer(toolVersion: Fedplane.version).render(plan), terminator: "")
        } else {
            Swift.print(HumanPlanRenderer(color: output.color).render(plan), terminator: "")
        }
    }
}
