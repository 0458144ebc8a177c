import FedDigest

/// The kinds of resource a federation is made of, in dependency order.
public enum ResourceKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// `ca` (the federation CA) and `certificate` (the aggregator's, the coordinator's, each
    /// participant's) come before the runs that use them.
    case cloud, aggregator, participant, assignment, ca, certificate, run

    /// Creation order: a resource depends only on kinds of a lower rank.
    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: ResourceKind, b: ResourceKind) -> Bool { a.rank < b.rank }
}

/// What the plan asks a provider to realise: the address names it (and is its identity at the
/// provider, so a resource created by an interrupted apply can be found again), `inputs` say
/// what it should be.
public struct ResourceRequest: Sendable, Equatable {
    public var address: String
    public var kind: ResourceKind
    public var inputs: JSONValue

    public init(address: String, kind: ResourceKind, inputs: JSONValue) {
        self.address = address
        self.kind = kind
        self.inputs = inputs
    }
}

/// What a provider reports exists: its own id and the attributes it computed (an address, a
/// port, a working directory). Never a secret.
public struct ObservedResource: Sendable, Equatable {
    public var providerID: String
    public var attributes: JSONValue

    public init(providerID: String, attributes: JSONValue) {
        self.providerID = providerID
        self.attributes = attributes
    }
}

/// One cloud's API, as fedplane uses it. Every operation is idempotent by address: creating what
/// exists adopts it, deleting what is gone succeeds. That is what lets an apply killed at any step
/// be finished by the next one.
public protocol Provider: Sendable {
    /// The provider kind, as the spec names it (`local`, `aws`, …).
    var kind: String { get }
    /// The name this instance is recorded under in state: the kind for the embedded ones, else
    /// `<kind>.<cloud>` (two clouds of one kind each get their own instance and settings).
    var instance: String { get }

    func create(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource
    /// What exists at `address`, or nil when nothing does (deleted outside fedplane, or never created).
    func read(address: String, kind: ResourceKind) throws(ProviderError) -> ObservedResource?
    func update(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource
    func delete(address: String, kind: ResourceKind) throws(ProviderError)
}

extension Provider {
    public var instance: String { kind }
}

/// A provider failure: which resource, which API call, and what the cloud answered.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    public var address: String
    public var operation: String
    public var message: String
    /// True when trying again may succeed (throttling, a timeout, a 5xx).
    public var retryable: Bool

    public init(provider: String, address: String, operation: String, message: String, retryable: Bool) {
        self.provider = provider
        self.address = address
        self.operation = operation
        self.message = message
        self.retryable = retryable
    }

    public var description: String {
        "\(address): \(provider) \(operation) failed: \(message)\(retryable ? " (retryable)" : "")"
    }
}
