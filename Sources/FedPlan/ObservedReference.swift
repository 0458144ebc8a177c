import FedCloud
import FedDigest
import FedState

/// An input known only after apply: `${aggregator.main.host}` names an attribute another resource's
/// provider observes (a VM's address). The plan shows the reference; the apply replaces it with
/// the value recorded by the step that made that resource, before the request reaches a provider,
/// and records the resolved inputs (so the next plan, which knows the value, sees no change).
enum ObservedReference {
    static func string(address: String, attribute: String) -> String { "${\(address).\(attribute)}" }

    /// `(address, attribute)` when `text` is a reference.
    static func parse(_ text: String) -> (address: String, attribute: String)? {
        guard text.hasPrefix("${"), text.hasSuffix("}") else { return nil }
        let inner = text.dropFirst(2).dropLast()
        guard let dot = inner.lastIndex(of: "."), dot != inner.startIndex else { return nil }
        return (String(inner[..<dot]), String(inner[inner.index(after: dot)...]))
    }

    struct Unresolved: Error, CustomStringConvertible {
        var address: String
        var reference: String
        var description: String { "\(address) needs \(reference), which its provider did not report (apply that resource first)" }
    }

    /// `inputs` with every reference replaced by the recorded observation it names.
    static func resolve(_ inputs: JSONValue, for address: String, in store: any StateBackend) throws -> JSONValue {
        guard contains(inputs) else { return inputs }
        let snapshot = try store.snapshot()
        func walk(_ v: JSONValue) throws -> JSONValue {
            switch v {
            case .string(let s):
                guard let ref = parse(s) else { return v }
                guard let row = snapshot.resource(at: ref.address),
                      let value = RecordedResource(row).observed[ref.attribute], value != .null else {
                    throw Unresolved(address: address, reference: s)
                }
                return value
            case .array(let items): return .array(try items.map(walk))
            case .object(let o): return .object(try o.mapValues(walk))
            default: return v
            }
        }
        return try walk(inputs)
    }

    static func contains(_ v: JSONValue) -> Bool {
        switch v {
        case .string(let s): return parse(s) != nil
        case .array(let items): return items.contains(where: contains)
        case .object(let o): return o.values.contains(where: contains)
        default: return false
        }
    }
}
