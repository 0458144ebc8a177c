import FedCloud
import FedDigest

/// One resource's change. `reasons` are for people only (like OpenTofu's ActionReason): nothing
/// decides on them.
public struct ResourceChange: Sendable, Equatable, Codable {
    public var address: String
    public var kind: ResourceKind
    /// The spec's cloud the resource lives in.
    public var cloud: String
    /// The provider kind that realises it.
    public var provider: String
    public var action: PlanAction
    public var reasons: [String]
    /// As recorded in state (inputs and what the provider observed); nil when new.
    public var before: JSONValue?
    /// The inputs it will have; nil when deleted.
    public var after: JSONValue?
    /// Digest of `after`: what state records to know the resource is up to date.
    public var inputsHash: String?
    public var dependsOn: [String]
}
