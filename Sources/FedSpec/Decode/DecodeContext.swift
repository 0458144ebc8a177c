import Foundation

/// Collects diagnostics while a spec is decoded, so one pass reports every problem.
final class DecodeContext {
    let file: String
    var diagnostics = Diagnostics()
    /// Clouds whose provider could not be read; rules that depend on the provider skip them
    /// rather than report a second, misleading error.
    var unknownProvider: Set<String> = []

    init(file: String) { self.file = file }

    func error(_ mark: SourceMark?, _ path: SpecPath, _ message: String) {
        diagnostics.append(Diagnostic(.error, file: file, mark: mark, path: path.description, message: message))
    }

    func warning(_ mark: SourceMark?, _ path: SpecPath, _ message: String) {
        diagnostics.append(Diagnostic(.warning, file: file, mark: mark, path: path.description, message: message))
    }
}

/// A node being decoded, with its path. `sensitive` fields (credentials) never echo their value
/// in a message, because a user may have pasted a secret there.
struct Field {
    let node: YAMLNode
    let path: SpecPath
    let ctx: DecodeContext
    var sensitive = false

    var mark: SourceMark { node.mark }

    func error(_ message: String) { ctx.error(node.mark, path, message) }

    /// How the node is described in "expected X, got Y".
    var got: String {
        guard case .scalar(let s, let style) = node.kind, !node.isNull else { return node.kindName }
        if sensitive { return node.kindName }
        let shown = s.count > 40 ? String(s.prefix(37)) + "..." : s
        return style == .plain ? "\"\(shown)\"" : "\"\(shown)\" (a quoted string)"
    }

    func mapping(_ known: [String], hidden: Set<String> = []) -> MappingReader? {
        guard case .mapping = node.kind else {
            error("expected a mapping, got \(got)")
            return nil
        }
        return MappingReader(self, known: known, hidden: hidden)
    }

    func sequence() -> [Field]? {
        guard case .sequence(let items) = node.kind else {
            error("expected a list, got \(got)")
            return nil
        }
        return items.enumerated().map { Field(node: $1, path: path.appending($0), ctx: ctx, sensitive: sensitive) }
    }

    func string() -> String? {
        guard case .scalar(let s, _) = node.kind, !node.isNull else {
            error("expected a string, got \(got)")
            return nil
        }
        return s
    }

    /// A non-empty string.
    func text() -> String? {
        guard let s = string() else { return nil }
        if s.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            error("must not be empty")
            return nil
        }
        return s
    }

    func stringList() -> [String]? {
        guard let items = sequence() else { return nil }
        let values = items.compactMap { $0.text() }
        return values.count == items.count ? values : nil
    }

    private var plainNumberText: String? {
        guard case .scalar(let s, .plain) = node.kind, !node.isNull else { return nil }
        return s.utf8.contains(UInt8(ascii: "_")) ? s.replacingOccurrences(of: "_", with: "") : s
    }

    func int(atLeast minimum: Int, describe: String? = nil) -> Int? {
        let expected = describe ?? (minimum == 1 ? "a positive integer" : minimum == 0 ? "a non-negative integer" : "an integer ≥ \(minimum)")
        guard let t = plainNumberText, let v = Int(t) else {
            error("expected \(expected), got \(got)")
            return nil
        }
        guard v >= minimum else {
            error("expected \(expected), got \(v)")
            return nil
        }
        return v
    }

    func double(positive: Bool = false, nonNegative: Bool = false) -> Double? {
        let expected = positive ? "a positive number" : nonNegative ? "a non-negative number" : "a number"
        guard let t = plainNumberText, let v = Double(t), v.isFinite else {
            error("expected \(expected), got \(got)")
            return nil
        }
        if positive && !(v > 0) || nonNegative && v < 0 {
            error("expected \(expected), got \(UnitNumber.format(v))")
            return nil
        }
        return v
    }

    func bool() -> Bool? {
        if case .scalar(let s, .plain) = node.kind {
            if s == "true" { return true }
            if s == "false" { return false }
        }
        error("expected true or false, got \(got)")
        return nil
    }

    func oneOf<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> E? where E.RawValue == String {
        guard let s = string() else { return nil }
        if let v = E(rawValue: s) { return v }
        let all = E.allCases.map(\.rawValue)
        error("unknown value \"\(s)\"\(Suggestion.hint(for: s, in: all)); expected one of \(all.joined(separator: ", "))")
        return nil
    }

    func unit<T>(_ parse: (String) -> Result<T, UnitError>) -> T? {
        guard case .scalar(let s, _) = node.kind, !node.isNull else {
            error("expected a value with a unit, got \(got)")
            return nil
        }
        switch parse(s) {
        case .success(let v): return v
        case .failure(let e):
            error(e.message)
            return nil
        }
    }
}
