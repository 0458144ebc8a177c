/// Where a value sits in the spec, rendered as users write it: `participants[0].minResources.vcpu`.
/// A persistent list (each path points at its parent), so deriving a child path is one small
/// allocation however deep the value is: the decoder makes one per field it reads.
public struct SpecPath: Hashable, Sendable, CustomStringConvertible {
    private indirect enum Node: Sendable {
        case root
        case key(Node, String)
        case index(Node, Int)
    }

    private let node: Node

    private init(_ node: Node) { self.node = node }

    public static let root = SpecPath(.root)

    public func appending(_ key: String) -> SpecPath { SpecPath(.key(node, key)) }

    public func appending(_ index: Int) -> SpecPath { SpecPath(.index(node, index)) }

    public var description: String {
        var parts: [String] = []
        var n = node
        while true {
            switch n {
            case .root:
                var out = ""
                for p in parts.reversed() { out += (out.isEmpty || p.hasPrefix("[")) ? p : ".\(p)" }
                return out
            case .key(let parent, let k): parts.append(k); n = parent
            case .index(let parent, let i): parts.append("[\(i)]"); n = parent
            }
        }
    }

    public static func == (a: SpecPath, b: SpecPath) -> Bool { a.description == b.description }
    public func hash(into h: inout Hasher) { h.combine(description) }
}
