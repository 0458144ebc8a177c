import ArgumentParser
import FedDigest
import FedState
import Foundation

extension Fedplane {
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show who applied or destroyed what, when, from which host, and how it ended.",
            discussion: """
            Every apply and destroy is recorded in the state before its first step: the user and host \
            that ran it, its pid and fedplane version, the plan's checksum (the same one a saved plan \
            file carries) and summary, and its result — succeeded, failed, interrupted (SIGINT/SIGTERM), \
            or running (still running, or its process died; the next plan reconciles what it left).
            """)

        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StatePathOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try StateLocation(spec: spec, statePath: state.path).use { store in
                let records = try store.operations()
                print(output.json ? AuditView.json(records).canonical : AuditView.human(records), terminator: output.json ? "\n" : "")
            }
        }
    }
}

enum AuditView {
    static func human(_ records: [OperationRecord]) -> String {
        guard !records.isEmpty else { return "No apply or destroy recorded yet.\n" }
        var rows = [["started", "operation", "by", "pid", "result", "steps", "plan"]]
        for r in records {
            rows.append([stamp(r.started), r.operation, r.who, "\(r.pid)", r.result.rawValue,
                         "\(r.succeededSteps)/\(r.steps)", String(r.planChecksum.prefix(19))])
        }
        var out = TableView.render(rows)
        // The details that do not fit a column: the plan's summary and how it ended.
        out += "\n"
        for r in records {
            out += "\(stamp(r.started)) \(r.operation) \(r.applyID): \(r.planSummary)"
            if let d = r.detail { out += " → \(d.split(separator: "\n").first.map(String.init) ?? d)" }
            out += "\n"
        }
        return out
    }

    static func json(_ records: [OperationRecord]) -> JSONValue {
        .object(["format_version": .string("1.0"), "operations": .array(records.map { r in
            .object([
                "apply_id": .string(r.applyID), "operation": .string(r.operation), "who": .string(r.who),
                "host": .string(r.host), "pid": .number(Double(r.pid)), "version": .string(r.version),
                "plan_checksum": .string(r.planChecksum), "plan_summary": .string(r.planSummary),
                "started": .string(iso(r.started)), "finished": r.finished.map { .string(iso($0)) } ?? .null,
                "result": .string(r.result.rawValue), "detail": r.detail.map { .string($0) } ?? .null,
                "steps": .object(["total": .number(Double(r.steps)), "succeeded": .number(Double(r.succeededSteps)),
                                  "failed": .number(Double(r.failedSteps))]),
            ])
        })])
    }

    private static func stamp(_ d: Date) -> String { Date.ISO8601FormatStyle().format(d) }
    private static func iso(_ d: Date) -> String { Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(d) }
}
