import FedCloud
import FedDigest
import FedState

/// Makes a plan: desired graph − recorded state, taking what providers observe into account.
/// A pure function of its inputs: the same spec, state, catalog and observations give the same
/// plan, byte for byte.
public struct Planner: Sendable {
    public var federation: String
    public var specDigest: String
    public var catalogVersion: String

    public init(federation: String, specDigest: String, catalogVersion: String) {
        self.federation = federation
        self.specDigest = specDigest
        self.catalogVersion = catalogVersion
    }

    /// - Parameter observed: for each recorded address, what its provider reports (nil: nothing there).
    public func plan(mode: Plan.Mode, desired: DesiredGraph, placement: PlacementSummary?,
                     state: StateSnapshot?, observed: [String: ObservedResource?]) -> Plan {
        let recorded = Dictionary(uniqueKeysWithValues: (state?.resources ?? []).map { ($0.address, RecordedResource($0)) })
        var changes: [ResourceChange] = []
        let wanted = Set(desired.resources.map(\.address))

        for d in desired.resources {
            let base = ResourceChange(address: d.address, kind: d.kind, cloud: d.cloud, provider: d.provider,
                                      action: .noOp, reasons: [], before: nil, after: d.inputsDocument,
                                      inputsHash: d.inputsHash, dependsOn: d.dependsOn)
            guard let r = recorded[d.address] else {
                changes.append(with(base, .create, ["not in state yet"] + (d.note.map { [$0] } ?? [])))
                continue
            }
            var change = base
            change.before = r.document
            let seen = observed[d.address] ?? nil
            if r.isPending {
                change = seen == nil
                    ? with(change, .create, ["an interrupted apply announced it but did not create it"])
                    : with(change, .update, [d.kind == .run ? "an interrupted apply started this run; resume it after its last recorded round"
                                                            : "an interrupted apply created it without recording it; adopt it"])
            } else if seen == nil {
                change = with(change, .create, ["it no longer exists at the \(d.provider) provider (deleted outside fedplane)"])
            } else if let why = d.forceReplace {
                change = with(change, .replace, [why])
            } else if r.row.inputsHash == d.inputsHash {
                change.action = .noOp
            } else {
                let diffs = Self.differences(r.inputs, d.inputs)
                let forcing = diffs.filter { d.replaceOn.contains($0.key) }
                if !forcing.isEmpty {
                    change = with(change, .replace, forcing.map { "\($0.text) forces replacement" })
                } else {
                    change = with(change, .update, (d.note.map { [$0] } ?? []) + diffs.map(\.text))
                }
            }
            changes.append(change)
        }

        for (address, r) in recorded where !wanted.contains(address) {
            let reason = mode == .destroy ? "destroy requested" : "no longer in the spec"
            changes.append(ResourceChange(address: address, kind: r.kind ?? .run, cloud: r.cloud, provider: r.row.provider,
                                          action: .delete, reasons: [reason], before: r.document, after: nil,
                                          inputsHash: nil, dependsOn: r.dependsOn))
        }
        changes.sort { ($0.kind.rank, $0.address) < ($1.kind.rank, $1.address) }
        return Plan(mode: mode, federation: federation, lineage: state?.lineage, serial: state?.serial ?? 0,
                    specDigest: specDigest, catalogVersion: catalogVersion, placement: placement, changes: changes)
    }

    private func with(_ c: ResourceChange, _ action: PlanAction, _ reasons: [String]) -> ResourceChange {
        var c = c
        c.action = action
        c.reasons = reasons
        return c
    }

    struct Difference {
        let key: String
        let text: String
    }

    /// Changed top-level inputs, described as `key: old → new`.
    static func differences(_ old: [String: JSONValue], _ new: [String: JSONValue]) -> [Difference] {
        Set(old.keys).union(new.keys).sorted().compactMap { key in
            let a = old[key], b = new[key]
            guard a != b else { return nil }
            if case .array(let old)? = a, case .array(let new)? = b, let text = identifiedListChanges(old, new) {
                return Difference(key: key, text: "\(key): \(text)")
            }
            return Difference(key: key, text: "\(key): \(a.map(short) ?? "(none)") → \(b.map(short) ?? "(none)")")
        }
    }

    /// For lists of objects with an `id` (a VM inventory): what was added, removed or changed, by id.
    static func identifiedListChanges(_ old: [JSONValue], _ new: [JSONValue]) -> String? {
        func byID(_ items: [JSONValue]) -> [String: [String: JSONValue]]? {
            var out: [String: [String: JSONValue]] = [:]
            for item in items {
                guard let id = item["id"]?.stringValue, let o = item.objectValue else { return nil }
                out[id] = o
            }
            return out
        }
        guard let a = byID(old), let b = byID(new) else { return nil }
        var parts: [String] = []
        for id in Set(a.keys).union(b.keys).sorted() {
            switch (a[id], b[id]) {
            case (nil, _?): parts.append("\(id) added")
            case (_?, nil): parts.append("\(id) removed")
            case (let x?, let y?) where x != y:
                let fields = Set(x.keys).union(y.keys).sorted().filter { x[$0] != y[$0] }
                parts.append("\(id) " + fields.map { "\($0) \(x[$0].map(short) ?? "(none)") → \(y[$0].map(short) ?? "(none)")" }.joined(separator: ", "))
            default: break
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    static func short(_ v: JSONValue) -> String {
        let s = v.canonical
        return s.count > 60 ? String(s.prefix(57)) + "…" : s
    }
}
