import FedCloud
import FedDigest
import FedState

/// How plan and apply read a state row: the attributes document holds the inputs the resource
/// was made from, what the provider observed, and what it depends on.
struct RecordedResource {
    let row: Resource
    let inputs: [String: JSONValue]
    let observed: JSONValue
    let dependsOn: [String]
    let cloud: String

    init(_ row: Resource) {
        self.row = row
        let doc = (try? JSONValue.parse(row.attributes)) ?? .object([:])
        inputs = doc["inputs"]?.objectValue ?? [:]
        observed = doc["observed"] ?? .object([:])
        if case .array(let deps)? = doc["dependsOn"] { dependsOn = deps.compactMap(\.stringValue) } else { dependsOn = [] }
        cloud = doc["cloud"]?.stringValue ?? ""
    }

    var kind: ResourceKind? { ResourceKind(rawValue: row.type) }

    /// True while an apply has announced the resource but not recorded what the provider made.
    var isPending: Bool { row.providerID == nil }

    /// `before` in a plan: inputs plus what was observed.
    var document: JSONValue { .object(["inputs": .object(inputs), "observed": observed]) }

    static func attributes(cloud: String, inputs: JSONValue, observed: JSONValue, dependsOn: [String]) -> String {
        JSONValue.object(["cloud": .string(cloud), "inputs": inputs, "observed": observed,
                          "dependsOn": .array(dependsOn.map { .string($0) })]).canonical
    }
}
