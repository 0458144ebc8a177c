/// Reads a YAML mapping by key, reporting unknown keys (with a suggestion) as it is created and
/// missing required keys when asked. `<<` merge keys are honoured; explicit keys win.
struct MappingReader {
    let field: Field
    private(set) var entries: [(key: String, keyMark: SourceMark, value: YAMLNode)] = []

    /// `hidden` keys are accepted here without complaint and never suggested (the caller reports
    /// them itself, e.g. inline secrets).
    /// `allowExtensions` accepts `x-…` keys (a place for anchors, as in Compose and OpenAPI files).
    init(_ field: Field, known: [String], hidden: Set<String> = [], allowExtensions: Bool = false) {
        self.field = field
        var explicit: [(String, SourceMark, YAMLNode)] = []
        var merged: [(String, SourceMark, YAMLNode)] = []
        guard case .mapping(let pairs) = field.node.kind else { return }
        for pair in pairs {
            guard case .scalar(let key, _) = pair.key.kind else {
                field.ctx.error(pair.key.mark, field.path, "mapping keys must be plain strings, got \(pair.key.kindName)")
                continue
            }
            if key == "<<" && pair.key.isPlainScalar {
                merged += Self.mergeSources(pair.value, field)
                continue
            }
            explicit.append((key, pair.key.mark, pair.value))
        }
        if !merged.isEmpty {
            let explicitKeys = Set(explicit.map(\.0))
            var seenMerged = Set<String>()
            for m in merged where !explicitKeys.contains(m.0) && seenMerged.insert(m.0).inserted {
                explicit.append(m)
            }
        }
        entries = explicit
        for (key, mark, _) in entries where !known.contains(key) && !hidden.contains(key)
            && !(allowExtensions && key.hasPrefix("x-")) {
            let shown = field.sensitive && key.count > 40 ? "a long key" : "\"\(key)\""
            let hint = Suggestion.hint(for: key, in: known)
            field.ctx.error(mark, field.path.appending(key),
                            "unknown field \(shown)\(hint); known fields here: \(known.joined(separator: ", "))")
        }
    }

    private static func mergeSources(_ node: YAMLNode, _ field: Field) -> [(String, SourceMark, YAMLNode)] {
        let sources: [YAMLNode]
        switch node.kind {
        case .mapping: sources = [node]
        case .sequence(let items): sources = items
        case .scalar:
            field.ctx.error(node.mark, field.path, "a << merge key needs a mapping or a list of mappings")
            return []
        }
        var out: [(String, SourceMark, YAMLNode)] = []
        for source in sources {
            guard case .mapping(let pairs) = source.kind else {
                field.ctx.error(source.mark, field.path, "a << merge key needs a mapping or a list of mappings")
                continue
            }
            for p in pairs { if let k = p.key.scalar { out.append((k, p.key.mark, p.value)) } }
        }
        return out
    }

    var mark: SourceMark { field.mark }
    var path: SpecPath { field.path }
    var ctx: DecodeContext { field.ctx }
    var keys: [String] { entries.map(\.key) }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    subscript(key: String) -> Field? {
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        return Field(node: e.value, path: field.path.appending(key), ctx: field.ctx, sensitive: field.sensitive)
    }

    func keyMark(_ key: String) -> SourceMark? { entries.first { $0.key == key }?.keyMark }

    /// The field, or an error "missing required field" at the mapping's position.
    func required(_ key: String) -> Field? {
        if let f = self[key] { return f }
        field.ctx.error(field.mark, field.path, "missing required field \"\(key)\"")
        return nil
    }
}
