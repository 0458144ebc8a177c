import Foundation

/// The providers available to one run of fedplane, by instance name (`local`, `ssh.hospital-a`, …):
/// built per cloud from the spec, so no provider is hard-wired.
public struct ProviderSet: Sendable {
    private var providers: [String: any Provider]

    public init(_ providers: [any Provider]) {
        self.providers = Dictionary(providers.map { ($0.instance, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The default set: the local provider, rooted at `localRoot`.
    public static func standard(localRoot: URL) -> ProviderSet {
        ProviderSet([LocalProvider(root: localRoot)])
    }

    /// Every provider of the set (to extend it).
    public var all: [any Provider] { providers.keys.sorted().compactMap { providers[$0] } }

    public var kinds: [String] { Set(providers.values.map(\.kind)).sorted() }

    /// The provider recorded as `instance`. A record from before providers were made per cloud
    /// names only the kind (`aws`): it belongs to the one provider of that kind, when there is one.
    public func provider(_ instance: String) -> (any Provider)? {
        if let p = providers[instance] { return p }
        guard !instance.contains(".") else { return nil }
        let ofKind = providers.values.filter { $0.kind == instance }
        return ofKind.count == 1 ? ofKind[0] : nil
    }

    /// The provider named `instance` when it can probe participant VMs.
    public func prober(_ instance: String) -> (any VMProber)? { provider(instance) as? any VMProber }
}
