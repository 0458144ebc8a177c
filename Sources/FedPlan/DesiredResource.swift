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
    /// A reason to replace it although its inputs did not change (a certificate that expires
    /// soon, or whose CA is replaced).
    public var forceReplace: String? = nil

    public var inputsDocument: JSONValue { .object(inputs) }
    public var inputsHash: String { inputsDocument.digest }
}
