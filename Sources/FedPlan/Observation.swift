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
}
