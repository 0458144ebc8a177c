/// The EC2 calls the aggregator needs, as typed wrappers over the query protocol.
extension XMLNode {
    /// The text of a direct child (EC2 items nest other items, so a deep search could pick a
    /// field of a nested one).
    public func field(_ name: String) -> String? { children.first { $0.name == name }?.text }

    /// `tagSet` of an item as a dictionary.
    var tags: [String: String] {
        var out: [String: String] = [:]
        for t in children.first(where: { $0.name == "tagSet" })?.children("item") ?? [] {
            if let k = t.field("key") { out[k] = t.field("value") ?? "" }
        }
        return out
    }
}

/// One EC2 instance as fedplane reads it.
public struct EC2Instance: Sendable, Equatable {
    public var id: String
    public var state: String
    public var instanceType: String
    public var imageID: String
    public var publicIP: String?
    public var privateIP: String?
    public var tags: [String: String]

    init?(_ item: XMLNode) {
        guard let id = item.field("instanceId") else { return nil }
        self.id = id
        state = item.children.first { $0.name == "instanceState" }?.field("name") ?? "unknown"
        instanceType = item.field("instanceType") ?? ""
        imageID = item.field("imageId") ?? ""
        publicIP = item.field("ipAddress")
        privateIP = item.field("privateIpAddress")
        tags = item.tags
    }
}

struct EC2 {
    static let version = "2016-11-15"
    let client: AWSClient

    func call(_ action: String, _ params: [(String, String)] = [],
              beforeRetry: ((AWSAPIError) throws(AWSAPIError) -> XMLNode?)? = nil) throws(AWSAPIError) -> XMLNode {
        try client.call(service: "ec2", action: action, version: Self.version, params: params, beforeRetry: beforeRetry)
    }

    static func filters(_ filters: [(String, [String])]) -> [(String, String)] {
        var out: [(String, String)] = []
        for (i, f) in filters.enumerated() {
            out.append(("Filter.\(i + 1).Name", f.0))
            for (j, v) in f.1.enumerated() { out.append(("Filter.\(i + 1).Value.\(j + 1)", v)) }
        }
        return out
    }

    static func tagSpecification(_ index: Int, resourceType: String, tags: [(String, String)]) -> [(String, String)] {
        var out = [("TagSpecification.\(index).ResourceType", resourceType)]
        for (i, t) in tags.enumerated() {
            out.append(("TagSpecification.\(index).Tag.\(i + 1).Key", t.0))
            out.append(("TagSpecification.\(index).Tag.\(i + 1).Value", t.1))
        }
        return out
    }

    static func instances(_ xml: XMLNode) -> [EC2Instance] {
        xml.items("reservationSet").flatMap { r in
            (r.children.first { $0.name == "instancesSet" }?.children("item") ?? []).compactMap(EC2Instance.init)
        }
    }

    func describeInstances(filters: [(String, [String])]) throws(AWSAPIError) -> [EC2Instance] {
        Self.instances(try call("DescribeInstances", Self.filters(filters)))
    }

    func describeInstance(id: String) throws(AWSAPIError) -> EC2Instance? {
        do {
            return Self.instances(try call("DescribeInstances", [("InstanceId.1", id)])).first
        } catch where error.code == "InvalidInstanceID.NotFound" {
            return nil
        }
    }
}
