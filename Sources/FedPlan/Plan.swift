import FedCloud

/// A plan: every change needed to make the recorded federation match the spec, pinned to the
/// state it was made against so a stale plan cannot be applied.
public struct Plan: Sendable, Equatable, Codable {
    public static let formatVersion = "1.0"

    public enum Mode: String, Sendable, Codable {
        case normal, destroy
    }

    public var mode: Mode
    public var federation: String
    /// nil when the state did not exist yet.
    public var lineage: String?
    public var serial: Int
    public var specDigest: String
    public var catalogVersion: String
    public var placement: PlacementSummary?
    /// In dependency order (then address); `executionOrder` is the order apply uses.
    public var changes: [ResourceChange]
    /// Where hosts report other resources than the spec declares ("hospital-a/vm-002 reports
    /// 2 vCPU, spec says 4"); what they report is what eligibility used.
    public var drift: [String]?

    /// The single rule for "is there anything to do" (`No changes.`, `--detailed-exitcode` 2).
    public var canApply: Bool { changes.contains { $0.action != .noOp } }

    public func count(_ action: PlanAction) -> Int { changes.filter { $0.action == action }.count }

    /// Deletes first, dependants before what they depend on; then creates, updates and replaces
    /// in dependency order.
    public var executionOrder: [ResourceChange] {
        let deletes = changes.filter { $0.action == .delete }
            .sorted { ($0.kind.rank, $0.address) > ($1.kind.rank, $1.address) }
        let others = changes.filter { $0.action != .delete && $0.action != .noOp }
        return deletes + Self.dependenciesFirst(others)
    }

    /// `changes` in their order, except that a change comes after those it depends on within
    /// one kind too (a global aggregator on aws depends on the regional VMs it admits, whose
    /// addresses sort after its own). Kind ranks already order everything else.
    static func dependenciesFirst(_ changes: [ResourceChange]) -> [ResourceChange] {
        var remaining = changes
        var done = Set<String>()
        var out: [ResourceChange] = []
        let present = Set(changes.map(\.address))
        while !remaining.isEmpty {
            // A cycle cannot be planned; if one ever were, keep the given order rather than stop.
            let i = remaining.firstIndex { c in c.dependsOn.allSatisfy { !present.contains($0) || done.contains($0) } } ?? 0
            let c = remaining.remove(at: i)
            done.insert(c.address)
            out.append(c)
        }
        return out
    }

    public var summaryLine: String {
        "Plan: \(count(.create)) to add, \(count(.update)) to change, \(count(.replace)) to replace, \(count(.delete)) to destroy."
    }
}

/// Where the aggregator goes and what it is expected to cost, for the plan's reader.
public struct PlacementSummary: Sendable, Equatable, Codable {
    public var cloud: String
    public var region: String
    public var instanceType: String
    public var costPerRun: String?
    public var roundLatency: String?
    public var note: String
    /// How the run's duration was estimated, when it was measured (absent otherwise, so plans of
    /// federations without a finished run stay as they were).
    public var durationEstimate: String? = nil
    /// Hierarchical topology: each regional aggregator and who it serves (nil when flat, so a
    /// flat plan's files and JSON stay as they were).
    public var regional: [RegionalSummary]? = nil

    public struct RegionalSummary: Sendable, Equatable, Codable {
        public var address: String
        public var cloud: String
        public var region: String
        public var instanceType: String
        public var participants: [String]
    }
}
