import FedDigest
import FedCloud
import FedState

/// Asks each recorded resource's provider what really exists: the "observed world" a plan is
/// also a function of.
public enum Observation {
    public static func observe(_ state: StateSnapshot?, providers: ProviderSet) throws -> [String: ObservedResource?] {
        var out: [String: ObservedResource?] = [:]
        for r in state?.resources ?? [] {
            guard let kind = ResourceKind(rawValue: r.type) else { continue }
            guard let provider = providers.provider(r.provider) else {
                throw PlanError(message: "\(r.address) is recorded with the \(r.provider) provider, which this fedplane does not have")
            }
            out[r.address] = .some(try provider.read(address: r.address, kind: kind))
        }
        return out
    }

    /// The recorded aggregators as the providers see them now: a VM found again carries what was
    /// just read (its address may have changed), a VM gone is left out — so a plan names a VM
    /// made again by reference, not by the address the old one had.
    static func liveAggregators(_ state: StateSnapshot?, observed: [String: ObservedResource?]) -> [Resource] {
        (state?.resources ?? []).filter { $0.type == ResourceKind.aggregator.rawValue }.compactMap { row -> Resource? in
            guard let seen = observed[row.address] else { return row }
            guard let now = seen else { return nil }
            var doc = (try? JSONValue.parse(row.attributes))?.objectValue ?? [:]
            doc["observed"] = now.attributes
            var fresh = row
            fresh.attributes = JSONValue.object(doc).canonical
            return fresh
        }
    }
}
