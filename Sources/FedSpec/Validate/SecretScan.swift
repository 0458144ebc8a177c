import Foundation

/// Finds values that look like secrets wherever they were pasted (an AWS access key id, a PEM
/// private key), so they are refused even outside `credentials:`. The value is never echoed.
struct SecretScan {
    static let awsKeyId = try! NSRegularExpression(pattern: "(^|[^A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}([^A-Z0-9]|$)")

    static func run(_ root: YAMLNode, ctx: DecodeContext) {
        // Paths are rebuilt only for a hit: each entry remembers its parent entry and its key.
        var entries: [(node: YAMLNode, parent: Int, key: String?, index: Int)] = [(root, -1, nil, 0)]
        var seen = Set<ObjectIdentifier>()
        var next = 0
        while next < entries.count {
            let (node, _, _, _) = entries[next]
            let me = next
            next += 1
            switch node.kind {
            case .scalar(let s, _):
                if let what = classify(s) {
                    ctx.error(node.mark, path(of: me, in: entries), "this value looks like \(what) pasted inline; fedplane never takes a secret value from the spec: reference it with credentials: { file | profile | env }")
                }
            case .sequence(let items):
                guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
                for (i, item) in items.enumerated() { entries.append((item, me, nil, i)) }
            case .mapping(let pairs):
                guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
                for p in pairs { entries.append((p.value, me, p.key.scalar ?? "?", 0)) }
            }
        }
    }

    private static func path(of i: Int, in entries: [(node: YAMLNode, parent: Int, key: String?, index: Int)]) -> SpecPath {
        guard entries[i].parent >= 0 else { return .root }
        let parent = path(of: entries[i].parent, in: entries)
        return entries[i].key.map { parent.appending($0) } ?? parent.appending(entries[i].index)
    }

    static func classify(_ s: String) -> String? {
        // Cheap byte checks first: the regex runs only on the rare value that could match.
        guard s.utf8.count >= 20 else { return nil }
        if s.contains("-----BEGIN") && s.contains("PRIVATE KEY") { return "a private key" }
        if (s.contains("AKIA") || s.contains("ASIA")),
           awsKeyId.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil {
            return "an AWS access key id"
        }
        return nil
    }
}
