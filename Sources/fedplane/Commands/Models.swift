import ArgumentParser
import FedDigest
import FedModels
import FedPlan
import FedState
import Foundation

extension Fedplane {
    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The global model of every round: list, recommend, export, plot.",
            subcommands: [List.self, Best.self, Pull.self, Plot.self]
        )

        /// The federation's models with their metrics, from the state.
        static func entries(spec: SpecOptions, state: StatePathOptions, run: Int? = nil) throws -> (entries: [ModelEntry], store: ModelStore, ws: Workspace) {
            let ws = try Workspace.load(specPath: spec.file, statePath: state.path, credentialCheck: .skip)
            guard let db = try ws.openState(create: false) else { throw UserError.noState(ws.statePath) }
            defer { db.close() }
            var out: [ModelEntry] = []
            for r in try db.runs() where run == nil || r.run == run {
                out += try db.models(run: r.run).map(ModelEntry.init)
            }
            return (out.sorted { ($0.run, $0.round) < ($1.run, $1.round) }, ModelStore(root: ws.modelRoot), ws)
        }

        static func json(_ m: ModelEntry) -> JSONValue {
            ["id": .string(m.id), "run": .number(Double(m.run)), "round": .number(Double(m.round)),
             "config_hash": .string(m.configHash), "size_bytes": .number(Double(m.sizeBytes)),
             "metrics": .object(m.metrics.mapValues { .number($0) })]
        }

        static let header = ["model", "run", "round", "loss", "accuracy", "precision", "recall", "f1"]

        static func row(_ m: ModelEntry) -> [String] {
            func f(_ k: String) -> String { m.metrics[k].map { String(format: "%.4f", $0) } ?? "-" }
            return [String(m.id.prefix(12)), "\(m.run)", "\(m.round)", f("loss"), f("accuracy"), f("precision"), f("recall"), f("f1")]
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the stored global models and their metrics.")
            @OptionGroup var spec: SpecOptions
            @OptionGroup var state: StatePathOptions
            @OptionGroup var output: OutputOptions
            @Option(name: .customLong("run"), help: "Only this run.") var runNumber: Int?

            func run() throws {
                try Failure.reporting(specPath: spec.file) {
                    let (entries, _, _) = try Models.entries(spec: spec, state: state, run: runNumber)
                    if output.json { print(JSONValue.array(entries.map(Models.json)).canonical); return }
                    if entries.isEmpty { print("No models yet: `\(Hint.command("apply", spec: spec, statePath: state.path))` trains the federation."); return }
                    print(TableView.render([Models.header] + entries.map(Models.row)), terminator: "")
                }
            }
        }

        struct Best: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recommend the best model: by a metric, among those meeting conditions (default: the spec's models.select).")
            @OptionGroup var spec: SpecOptions
            @OptionGroup var state: StatePathOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "accuracy, loss, precision, recall or f1.") var metric: String?
            @Option(name: .customLong("where"), help: "Conditions, e.g. \"accuracy>=0.9\" (several joined by ',').") var conditions: String?

            func run() throws {
                try Failure.reporting(specPath: spec.file) {
                    let (entries, _, ws) = try Models.entries(spec: spec, state: state)
                    let best = try Models.pick(entries, ws: ws, metric: metric, conditions: conditions)
                    if output.json { print(Models.json(best).canonical); return }
                    print(TableView.render([Models.header, Models.row(best)]), terminator: "")
                    print("\nid \(best.id)\nExport it with: \(Hint.command("models pull \(String(best.id.prefix(12))) -o model.safetensors", spec: spec, statePath: state.path))")
                }
            }
        }

        static func pick(_ entries: [ModelEntry], ws: Workspace, metric: String?, conditions: String?) throws -> ModelEntry {
            let select = ws.spec.models.select
            let name = metric ?? select.metric.rawValue
            let conds = try conditions.map(MetricCondition.parse)
                ?? (metric == nil ? select.constraints.map { MetricCondition(metric: $0.metric.rawValue, op: $0.op, value: $0.value) } : [])
            let maximise = metric == nil ? select.goal == .max : name != "loss"
            return try ModelRecommendation.best(entries, metric: name, maximise: maximise, conditions: conds)
        }

        struct Pull: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Export a model (by id or id prefix, or `best`), checking its hash.")
            @Argument(help: "A model id (or a unique prefix), or best.") var model: String
            @Option(name: [.customShort("o"), .customLong("output")],
                    help: ArgumentHelp("Where to write the safetensors file (- for standard output). A device, FIFO or link is written into, never replaced.", valueName: "file"))
            var output: String
            @OptionGroup var spec: SpecOptions
            @OptionGroup var state: StatePathOptions

            func run() throws {
                try Failure.reporting(specPath: spec.file) {
                    let (entries, store, ws) = try Models.entries(spec: spec, state: state)
                    let chosen: ModelEntry
                    if model == "best" {
                        chosen = try Models.pick(entries, ws: ws, metric: nil, conditions: nil)
                    } else {
                        let matches = Set(entries.filter { $0.id.hasPrefix(model) }.map(\.id))
                        guard matches.count == 1, let m = entries.first(where: { $0.id == matches.first }) else {
                            throw QueryError(matches.isEmpty ? "no model with id \(model); `\(Hint.command("models list", spec: spec, statePath: state.path))` shows them"
                                                              : "the prefix \(model) matches \(matches.count) models; give more of the id")
                        }
                        chosen = m
                    }
                    let bytes = try store.get(chosen.id)
                    let written = try OutputFile(output).write(bytes)
                    let line = "Wrote model \(chosen.id) (run \(chosen.run), round \(chosen.round), \(bytes.count) bytes, sha256 verified) to \(output == "-" ? "standard output" : output)."
                    if written.toStandardOutput { Console.stderr(line) } else { print(line) }
                }
            }
        }

        struct Plot: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Draw loss, accuracy and F1 per round to an SVG.")
            @Option(name: .customLong("svg"), help: ArgumentHelp("The SVG file to write (- for standard output).", valueName: "file")) var svg: String
            @Option(name: .customLong("run"), help: "Only this run.") var runNumber: Int?
            @OptionGroup var spec: SpecOptions
            @OptionGroup var state: StatePathOptions

            func run() throws {
                try Failure.reporting(specPath: spec.file) {
                    let (entries, _, ws) = try Models.entries(spec: spec, state: state, run: runNumber)
                    guard !entries.isEmpty else { throw QueryError("no models yet: `\(Hint.command("apply", spec: spec, statePath: state.path))` trains the federation") }
                    let chart = CurvesChart(models: entries, title: "\(ws.spec.metadata.name): global model per round")
                    let written = try OutputFile(svg).write(chart.svg())
                    if written.toStandardOutput { Console.stderr("Wrote the chart to standard output.") } else { print("Wrote \(svg).") }
                }
            }
        }
    }
}
