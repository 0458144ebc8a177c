/// A YAML node with the position it came from. Aliases share the anchored node (no copy), so an
/// alias never multiplies memory; `weight` counts what a full expansion would visit.
public final class YAMLNode: Sendable {
    public enum ScalarStyle: Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public struct Pair: Sendable {
        public let key: YAMLNode
        public let value: YAMLNode
    }

    public enum Kind: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    public let kind: Kind
    public let mark: SourceMark
    public let tag: String?
    /// Nodes visited by a full expansion of this node, aliases included.
    public let weight: Int

    init(kind: Kind, mark: SourceMark, tag: String?) {
        self.kind = kind
        self.mark = mark
        self.tag = tag
        switch kind {
        case .scalar: weight = 1
        case .sequence(let items): weight = items.reduce(1) { $0 &+ $1.weight }
        case .mapping(let pairs): weight = pairs.reduce(1) { $0 &+ $1.key.weight &+ $1.value.weight }
        }
    }

    public var scalar: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }

    public var isPlainScalar: Bool {
        if case .scalar(_, .plain) = kind { return true }
        return false
    }

    /// A plain scalar that YAML reads as null (`~`, `null`, or nothing).
    public var isNull: Bool {
        guard case .scalar(let s, .plain) = kind, tag == nil else { return false }
        return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
    }

    /// What a user would call this node's type, for "expected X, got Y" messages.
    public var kindName: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s, let style):
            if isNull { return "null" }
            guard style == .plain else { return "a string" }
            if s == "true" || s == "false" { return "a boolean" }
            if Int(s) != nil || Double(s) != nil { return "a number" }
            return "a string"
        }
    }
}
