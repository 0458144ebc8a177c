import Foundation

/// The providers available to one run of fedplane, by provider kind.
public struct ProviderSet: Sendable {
    private var providers: [String: any Provider]

    public init(_ providers: [any Provider]) {
        self.providers = Dictionary(providers.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The default set: the local provider, rooted at `localRoot`.
    public static func standard(localRoot: URL) -> ProviderSet {
        ProviderSet([LocalProvider(root: localRoot)])
    }

    public var kinds: [String] { providers.keys.sorted() }

    public func provider(_ kind: String) -> (any Provider)? { providers[kind] }

    /// The provider of `kind` when it can probe participant VMs.
    public func prober(_ kind: String) -> (any VMProber)? { providers[kind] as? any VMProber }
}
