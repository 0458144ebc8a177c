/// A compact, stable summary of a plan for a pull-request comment (`plan --markdown`,
/// `show --markdown plan.bin`): the summary line, placement with cost and latency, one table row
/// per change with its reasons, and warnings. No colours, no timestamps, changes in plan order,
/// so the same plan always renders the same text (a pipeline can update its comment in place).
public struct MarkdownPlanRenderer: PlanRenderer {
    /// Lines shown under "Warnings" (spec warnings, provider problems); drift is added from the plan.
    public var warnings: [String]

    public init(warnings: [String] = []) { self.warnings = warnings }

    public func render(_ plan: Plan) -> String {
        var out = "### fedplane plan: `\(plan.federation)`\(plan.mode == .destroy ? " (destroy)" : "")\n\n"
        out += plan.canApply ? "**\(plan.summaryLine)**\n\n" : "**No changes.** The federation matches the spec.\n\n"
        if let p = plan.placement {
            out += "| Aggregator | Cost per run | Round latency |\n|---|---|---|\n"
            out += "| \(Self.cell("\(p.cloud) / \(p.region) / \(p.instanceType)")) | \(Self.cell(p.costPerRun ?? "—")) "
                + "| \(Self.cell(p.roundLatency ?? "—")) |\n\n"
            if !p.note.isEmpty { out += "_\(Self.cell(p.note))_\n\n" }
            if let d = p.durationEstimate { out += "Run duration: \(Self.cell(d))\n\n" }
        }
        let changes = plan.changes.filter { $0.action != .noOp }
        if !changes.isEmpty {
            out += "| | Resource | Action | Why |\n|---|---|---|---|\n"
            for c in changes {
                out += "| `\(c.action.symbol)` | `\(Self.cell(c.address))` | \(Self.name(c.action)) | \(Self.cell(c.reasons.joined(separator: "; "))) |\n"
            }
            out += "\n"
        }
        let all = warnings + (plan.drift ?? []).map { "observed on the hosts: \($0)" }
        if !all.isEmpty {
            out += "**Warnings (\(all.count))**\n\n" + all.map { "- \(Self.cell($0))\n" }.joined() + "\n"
        }
        out += "<sub>state serial \(plan.serial)\(plan.lineage.map { ", lineage `\($0)`" } ?? " (new state)") · spec \(plan.specDigest.prefix(19)) · catalog \(plan.catalogVersion)</sub>\n"
        return out
    }

    static func name(_ action: PlanAction) -> String {
        switch action {
        case .create: "add"
        case .update: "change"
        case .replace: "replace"
        case .delete: "destroy"
        case .noOp: "none"
        }
    }

    /// Text safe inside a table cell: one line, pipes escaped.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
