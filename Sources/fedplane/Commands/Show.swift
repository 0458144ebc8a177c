import ArgumentParser
import FedDigest
import FedPlan
import FedSpec
import FedState
import Foundation

extension Fedplane {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the recorded state of the federation, or a saved plan.",
            discussion: "Each resource lists its inputs (what the spec asked for) and what was observed at its provider; the aggregator's status says whether its process is running now. With a plan file (from `plan --out`), shows that plan: as the diff, --json, or --markdown (a compact summary for a pull-request comment).")

        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StatePathOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: ArgumentHelp("A plan saved with `fedplane plan --out` to show instead of the state.", valueName: "plan-file"))
        var planFile: String?

        @Flag(name: .customLong("markdown"), help: "With a plan file: print a compact Markdown summary.")
        var markdown = false

        func run() throws {
            if let planFile {
                try Failure.reporting(specPath: spec.file) {
                    let plan = try PlanFile.decode(Data(try ReferencedFile.read(planFile, kind: .plan)), path: planFile).plan
                    if markdown { print(MarkdownPlanRenderer().render(plan), terminator: "") } else { PlanView.print(plan, output) }
                }
                return
            }
            try StateLocation(spec: spec, statePath: state.path).use { store in
                let snapshot = try store.snapshot()
                let live = AggregatorLiveness(statePath: try StateLocation(spec: spec, statePath: state.path).localStatePath(), federation: snapshot.federation)
                if output.json {
                    print(StateView.json(snapshot, liveness: live).canonical)
                } else {
                    print(StateView.human(snapshot, liveness: live), terminator: "")
                }
            }
        }
    }
}

/// Finds the state file: `--state`, or the default next to the spec (whose name it needs).
struct StateLocation {
    let spec: SpecOptions
    let statePath: String?

    init(spec: SpecOptions, statePath: String?) {
        self.spec = spec
        self.statePath = statePath
    }

    init(spec: SpecOptions, state: StateOptions) {
        self.init(spec: spec, statePath: state.path)
    }

    /// Runs `body` with the open state, reporting any error the way commands do.
    func use(_ body: (any StateBackend) throws -> Void) throws {
        try Failure.reporting(specPath: spec.file) {
            let store = try open()
            defer { store.close() }
            try body(store)
        }
    }

    func open() throws -> any StateBackend {
        if let path = statePath, PostgresURL.isPostgres(path) {
            // The federation comes from the spec: a database holds many.
            let ws = try Workspace.load(specPath: spec.file, statePath: path, credentialCheck: .skip)
            guard let store = try ws.openState(create: false) else { throw UserError.noState(ws.stateSource.description) }
            return store
        }
        if let path = statePath {
            guard FileManager.default.fileExists(atPath: path) else { throw StateStoreError.missing(path: path) }
            return try StateStore.openForReading(path: path, federation: try federationName(at: path))
        }
        let ws = try Workspace.load(specPath: spec.file, statePath: nil, credentialCheck: .skip)
        guard let store = try ws.openState(create: false) else { throw UserError.noState(ws.statePath) }
        return store
    }

    /// The state file, or with a PostgreSQL state the default file path next to the spec that
    /// anchors local files (the aggregator's working directory).
    func localStatePath() throws -> String {
        if let path = statePath, !PostgresURL.isPostgres(path) { return path }
        return try Workspace.load(specPath: spec.file, statePath: statePath, credentialCheck: .skip).statePath
    }

    /// With only `--state` given, the federation is whatever the file says (no spec to compare).
    private func federationName(at path: String) throws -> String {
        if let name = try? Workspace.load(specPath: spec.file, statePath: path, credentialCheck: .skip).spec.metadata.name {
            return name
        }
        return try StateStore.federationName(atPath: path)
    }
}

/// Whether the aggregator recorded in the state has a running process now: its working
/// directory's `aggregator.pid` names a live `fedplane aggregator`. Its endpoint is only worth
/// showing as reachable while it runs (apply starts it for a training run and stops it after).
struct AggregatorLiveness {
    let localRoot: URL

    init(statePath: String, federation: String) {
        localRoot = URL(fileURLWithPath: statePath).deletingLastPathComponent().appendingPathComponent(federation)
    }

    func isRunning(observed: [String: JSONValue]) -> Bool {
        guard let workdir = observed["workdir"]?.stringValue else { return false }
        let dir = workdir.hasPrefix("/") ? URL(fileURLWithPath: workdir) : localRoot.appendingPathComponent(workdir)
        guard let bytes = try? ReferencedFile.read(dir.appendingPathComponent("aggregator.pid").path, kind: .plan, limit: 64),
              let pid = Int32(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
              kill(pid, 0) == 0,
              let cmdline = try? ReferencedFile.read("/proc/\(pid)/cmdline", kind: .plan, limit: 1 << 16) else { return false }
        return String(decoding: cmdline, as: UTF8.self).split(separator: "\0").contains("aggregator")
    }

    func status(of r: Resource) -> String? {
        guard r.type == "aggregator", let doc = try? JSONValue.parse(r.attributes),
              let observed = doc["observed"]?.objectValue, observed["endpoint"] != nil || observed["port"] != nil else { return nil }
        return isRunning(observed: observed) ? "running" : "stopped"
    }
}

enum StateView {
    static func human(_ s: StateSnapshot, liveness: AggregatorLiveness? = nil) -> String {
        var out = "Federation \(s.federation) — state serial \(s.serial), lineage \(s.lineage)\n"
        if s.resources.isEmpty { return out + "\nThe state holds no resources.\n" }
        for r in s.resources { out += "\n" + resource(r, liveness: liveness) }
        if !s.assignments.isEmpty {
            out += "\nAssignments:\n"
            for a in s.assignments { out += "    \(a.participant) → \(a.vmID)  (\(a.reason))\n" }
        }
        return out
    }

    /// One resource: its provider, then its inputs (what the spec asked for) and what was observed
    /// at the provider, each under its own heading; for the aggregator, whether it runs now.
    static func resource(_ r: Resource, liveness: AggregatorLiveness?) -> String {
        var out = "\(r.address)\(r.providerID == nil ? "  (pending: an apply was interrupted)" : "")\n"
        out += "    provider: \(r.provider)\(r.providerID.map { " (\($0))" } ?? "")\n"
        if let status = liveness?.status(of: r) {
            out += status == "running"
                ? "    status:   running\n"
                : "    status:   stopped (no aggregator process runs now; apply starts it for a training run, so the observed endpoint does not answer)\n"
        }
        if let doc = try? JSONValue.parse(r.attributes) {
            let sections = [("inputs", "inputs (from the spec)"), ("observed", "observed (at the provider)")]
                .compactMap { key, title in doc[key]?.objectValue.map { (title, $0) } }
            let width = sections.flatMap { $0.1.keys }.map(\.count).max() ?? 0
            for (title, o) in sections where !o.isEmpty {
                out += "    \(title):\n"
                for key in o.keys.sorted() {
                    out += "      \(TerminalText.escape(key).padding(toLength: width, withPad: " ", startingAt: 0)) = \(TerminalText.escape(o[key]!.canonical))\n"
                }
            }
        }
        return out
    }

    static func json(_ s: StateSnapshot, liveness: AggregatorLiveness? = nil) -> JSONValue {
        [
            "format_version": "1.0",
            "federation": .string(s.federation), "lineage": .string(s.lineage), "serial": .number(Double(s.serial)),
            "resources": .array(s.resources.map { r in
                var entry: [String: JSONValue] = [
                    "address": .string(r.address), "type": .string(r.type), "provider": .string(r.provider),
                    "provider_id": r.providerID.map { .string($0) } ?? .null,
                    "attributes": (try? JSONValue.parse(r.attributes)) ?? .null,
                    "inputs_hash": .string(r.inputsHash),
                ]
                if let status = liveness?.status(of: r) { entry["status"] = .string(status) }
                return .object(entry)
            }),
            "assignments": .array(s.assignments.map { ["participant": .string($0.participant), "vm": .string($0.vmID), "reason": .string($0.reason)] }),
        ]
    }
}
