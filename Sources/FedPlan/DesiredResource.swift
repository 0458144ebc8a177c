import FedCloud
import FedDigest

/// A resource as the spec wants it.
public struct DesiredResource: Sendable, Equatable {
    public var address: String
    public var kind: ResourceKind
    public var cloud: String
    public var provider: String
    public var inputs: [String: JSONValue]
    public var dependsOn: [String]
    /// Inputs that cannot change in place (a new cloud means a new machine).
    public var replaceOn: Set<String>
    /// Why it has its current value, when that is worth saying (e.g. why a VM was chosen).
    public var note: String?

    public var inputsDocument: JSONValue { .object(inputs) }
    public var inputsHash: String { inputsDocument.digest }
}
