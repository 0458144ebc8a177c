import FedDigest
import Foundation

/// Turns a plan into what a person reads or a program parses.
public protocol PlanRenderer {
    func render(_ plan: Plan) -> String
}

/// The human diff: `+`, `~`, `-/+`, `-` with reasons, ending with the summary line.
public struct HumanPlanRenderer: PlanRenderer {
    public var color: Bool

    public init(color: Bool) { self.color = color }

    public func render(_ plan: Plan) -> String {
        var out = ""
        if let p = plan.placement {
            out += "Aggregator placement: \(p.cloud) / \(p.region) / \(p.instanceType)"
            if let c = p.costPerRun { out += ", \(c) per run" }
            if let l = p.roundLatency { out += ", \(l) per round" }
            out += " (\(p.note))\n"
            if let d = p.durationEstimate { out += "Run duration: \(d)\n" }
            out += "\n"
        }
        if let drift = plan.drift, !drift.isEmpty {
            out += "Observed on the hosts (differs from the spec; eligibility uses what they report):\n"
            for d in drift { out += "  ~ \(d)\n" }
            out += "\n"
        }
        guard plan.canApply else {
            return out + "No changes. The federation matches the spec.\n"
        }
        out += plan.mode == .destroy
            ? "fedplane will destroy every resource of federation \(plan.federation):\n\n"
            : "fedplane will perform these actions on federation \(plan.federation):\n\n"
        for c in plan.changes where c.action != .noOp {
            out += paint("  \(c.action.symbol) \(c.address)", c.action) + "\n"
            for r in c.reasons { out += "      # \(r)\n" }
            if c.action == .create, case .object(let inputs)? = c.after {
                for key in inputs.keys.sorted() { out += "      \(key) = \(Self.describe(inputs[key]!))\n" }
            }
        }
        return out + "\n" + plan.summaryLine + "\n"
    }

    /// A list of identified things reads better as their ids.
    static func describe(_ v: JSONValue) -> String {
        if case .array(let items) = v, !items.isEmpty, items.allSatisfy({ $0["id"]?.stringValue != nil }) {
            return "\(items.count): " + items.compactMap { $0["id"]?.stringValue }.joined(separator: ", ")
        }
        return Planner.short(v)
    }

    private func paint(_ s: String, _ action: PlanAction) -> String {
        guard color else { return s }
        let code: String
        switch action {
        case .create: code = "32"
        case .update: code = "33"
        case .replace: code = "35"
        case .delete: code = "31"
        case .noOp: return s
        }
        return "\u{1B}[\(code)m\(s)\u{1B}[0m"
    }
}

/// The machine-readable plan (`plan --json`), versioned by `format_version`; see README.
public struct JSONPlanRenderer: PlanRenderer {
    public var toolVersion: String

    public init(toolVersion: String) { self.toolVersion = toolVersion }

    public func document(_ plan: Plan) -> JSONValue {
        var doc: [String: JSONValue] = [
            "format_version": .string(Plan.formatVersion),
            "fedplane_version": .string(toolVersion),
            "mode": .string(plan.mode.rawValue),
            "federation": .string(plan.federation),
            "state": ["lineage": plan.lineage.map { .string($0) } ?? .null, "serial": .number(Double(plan.serial))],
            "spec_digest": .string(plan.specDigest),
            "catalog_version": .string(plan.catalogVersion),
            "resource_changes": .array(plan.changes.map { c in
                [
                    "address": .string(c.address), "type": .string(c.kind.rawValue), "cloud": .string(c.cloud),
                    "provider": .string(c.provider), "actions": .array(c.action.steps.map { .string($0) }),
                    "reasons": .array(c.reasons.map { .string($0) }),
                    "before": c.before ?? .null, "after": c.after ?? .null,
                    "depends_on": .array(c.dependsOn.map { .string($0) }),
                ]
            }),
            "summary": ["add": .number(Double(plan.count(.create))), "change": .number(Double(plan.count(.update))),
                        "replace": .number(Double(plan.count(.replace))), "destroy": .number(Double(plan.count(.delete)))],
            "changes_pending": .bool(plan.canApply),
        ]
        if let p = plan.placement {
            var placement: [String: JSONValue] = [
                "cloud": .string(p.cloud), "region": .string(p.region), "instance_type": .string(p.instanceType),
                "cost_per_run": p.costPerRun.map { .string($0) } ?? .null,
                "round_latency": p.roundLatency.map { .string($0) } ?? .null, "note": .string(p.note)]
            if let d = p.durationEstimate { placement["duration_estimate"] = .string(d) }
            if let regional = p.regional {
                // Hierarchical topology only: who serves whom.
                placement["regional"] = .array(regional.map { r in
                    ["address": .string(r.address), "cloud": .string(r.cloud), "region": .string(r.region),
                     "instance_type": .string(r.instanceType), "participants": .array(r.participants.map { .string($0) })]
                })
            }
            doc["placement"] = .object(placement)
        }
        if let d = plan.drift { doc["drift"] = .array(d.map { .string($0) }) }
        return .object(doc)
    }

    public func render(_ plan: Plan) -> String { document(plan).canonical + "\n" }
}
