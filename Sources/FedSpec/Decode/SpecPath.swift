/// Where a value sits in the spec, rendered as users write it: `participants[0].minResources.vcpu`.
public struct SpecPath: Hashable, Sendable, CustomStringConvertible {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    private(set) var components: [Component] = []

    public static let root = SpecPath()

    public func appending(_ key: String) -> SpecPath {
        var p = self
        p.components.append(.key(key))
        return p
    }

    public func appending(_ index: Int) -> SpecPath {
        var p = self
        p.components.append(.index(index))
        return p
    }

    public var description: String {
        var out = ""
        for c in components {
            switch c {
            case .key(let k): out += out.isEmpty ? k : ".\(k)"
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }
}
