import CYAML

/// Consumes libyaml events and assembles nodes on an explicit stack.
struct TreeBuilder {
    /// A collection being built. A struct mutated in place on the stack (not an enum popped and
    /// pushed back), so appending never copies the collection built so far.
    private struct Frame {
        let isMapping: Bool
        let mark: SourceMark
        let tag: String?
        let anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLNode.Pair] = []
        var pendingKey: YAMLNode?
        var seen: [String: SourceMark] = [:]
    }

    let limits: YAMLParser.Limits
    private(set) var errors: [YAMLError] = []
    private(set) var failed = false
    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var aliasExpansion = 0
    private var root: YAMLNode?
    private var documents = 0

    init(limits: YAMLParser.Limits) { self.limits = limits }

    mutating func run(_ buf: UnsafeBufferPointer<UInt8>) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else {
            fail(nil, "libyaml could not allocate a parser")
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)

        var event = yaml_event_t()
        while !failed {
            guard yaml_parser_parse(&parser, &event) != 0 else {
                reportSyntaxError(parser, buf)
                return nil
            }
            let done = event.type == YAML_STREAM_END_EVENT
            handle(&event)
            yaml_event_delete(&event)
            if done { break }
        }
        if !failed && documents == 0 {
            fail(nil, "the file holds no YAML document; a spec needs at least apiVersion, kind and metadata.name")
        }
        return root
    }

    private mutating func handle(_ event: inout yaml_event_t) {
        let mark = SourceMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                fail(mark, "a second YAML document starts here; a spec file holds exactly one document")
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let style: YAMLNode.ScalarStyle
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            let node = YAMLNode(kind: .scalar(value, style), mark: mark, tag: Self.string(s.tag))
            register(node, anchor: Self.string(s.anchor))
            add(node)
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                fail(mark, "alias *\(name) refers to no anchor defined before it")
                return
            }
            aliasExpansion += target.weight
            if aliasExpansion > limits.maxAliasExpansion {
                fail(mark, "aliases expand to more than \(limits.maxAliasExpansion) nodes at *\(name); refusing a possible alias bomb")
                return
            }
            add(target)
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            push(Frame(isMapping: false, mark: mark, tag: Self.string(s.tag), anchor: Self.string(s.anchor)), at: mark)
        case YAML_MAPPING_START_EVENT:
            let m = event.data.mapping_start
            push(Frame(isMapping: true, mark: mark, tag: Self.string(m.tag), anchor: Self.string(m.anchor)), at: mark)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            let node = YAMLNode(kind: frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items),
                                mark: frame.mark, tag: frame.tag)
            register(node, anchor: frame.anchor)
            add(node)
        default:
            break
        }
    }

    private mutating func push(_ frame: Frame, at mark: SourceMark) {
        if stack.count >= limits.maxDepth {
            fail(mark, "nesting deeper than \(limits.maxDepth) levels; a spec never needs that many")
            return
        }
        stack.append(frame)
    }

    private mutating func register(_ node: YAMLNode, anchor: String?) {
        if let anchor { anchors[anchor] = node }
    }

    private mutating func add(_ node: YAMLNode) {
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        if let key = stack[top].pendingKey {
            stack[top].pairs.append(YAMLNode.Pair(key: key, value: node))
            stack[top].pendingKey = nil
            return
        }
        if let name = node.scalar, name != "<<", let first = firstKey(name, at: node.mark, in: &stack[top]) {
            errors.append(YAMLError(mark: node.mark,
                message: "duplicate key \"\(name)\" (first defined at line \(first.line), column \(first.column))"))
        }
        stack[top].pendingKey = node
    }

    /// Where `name` was first used as a key of this mapping, if it was. Small mappings (almost
    /// all of a spec) are scanned; a dictionary is built only once a mapping grows large.
    private func firstKey(_ name: String, at mark: SourceMark, in frame: inout Frame) -> SourceMark? {
        if frame.pairs.count < 16 && frame.seen.isEmpty {
            return frame.pairs.first { $0.key.scalar == name }?.key.mark
        }
        if frame.seen.isEmpty {
            for p in frame.pairs { if let k = p.key.scalar, frame.seen[k] == nil { frame.seen[k] = p.key.mark } }
        }
        if let first = frame.seen[name] { return first }
        frame.seen[name] = mark
        return nil
    }

    private mutating func fail(_ mark: SourceMark?, _ message: String) {
        errors.append(YAMLError(mark: mark, message: message))
        failed = true
    }

    private mutating func reportSyntaxError(_ parser: yaml_parser_t, _ buf: UnsafeBufferPointer<UInt8>) {
        let pm = parser.problem_mark
        let mark = SourceMark(line: Int(pm.line) + 1, column: Int(pm.column) + 1)
        var message = parser.problem.map { String(cString: $0) } ?? "syntax error"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " " + context
        }
        if Int(pm.index) < buf.count, buf[Int(pm.index)] == 0x09 {
            message += " (a tab character: YAML indentation must use spaces)"
        }
        fail(mark, message)
    }

    private static func string(_ p: UnsafeMutablePointer<UInt8>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }
}
