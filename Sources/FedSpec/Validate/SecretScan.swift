import Foundation

/// Finds values that look like secrets wherever they were pasted (an AWS access key id, a PEM
/// private key), so they are refused even outside `credentials:`. The value is never echoed.
struct SecretScan {
    static let awsKeyId = try! NSRegularExpression(pattern: "(^|[^A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}([^A-Z0-9]|$)")

    static func run(_ root: YAMLNode, ctx: DecodeContext) {
        var stack: [(YAMLNode, SpecPath)] = [(root, .root)]
        var seen = Set<ObjectIdentifier>()
        while let (node, path) = stack.popLast() {
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            switch node.kind {
            case .scalar(let s, _):
                if let what = classify(s) {
                    ctx.error(node.mark, path, "this value looks like \(what) pasted inline; fedplane never takes a secret value from the spec: reference it with credentials: { file | profile | env }")
                }
            case .sequence(let items):
                for (i, item) in items.enumerated() { stack.append((item, path.appending(i))) }
            case .mapping(let pairs):
                for p in pairs { stack.append((p.value, path.appending(p.key.scalar ?? "?"))) }
            }
        }
    }

    static func classify(_ s: String) -> String? {
        if s.contains("-----BEGIN") && s.contains("PRIVATE KEY") { return "a private key" }
        if s.count >= 20, awsKeyId.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil {
            return "an AWS access key id"
        }
        return nil
    }
}
