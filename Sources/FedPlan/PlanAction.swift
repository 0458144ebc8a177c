/// What apply will do to one resource. A closed set: the executor switches on it.
public enum PlanAction: String, Sendable, Codable, CaseIterable {
    case noOp = "no-op"
    case create
    case update
    case replace
    case delete

    /// The mark in the human diff.
    public var symbol: String {
        switch self {
        case .noOp: return " "
        case .create: return "+"
        case .update: return "~"
        case .replace: return "-/+"
        case .delete: return "-"
        }
    }

    /// The JSON `actions` list, in the order they happen.
    public var steps: [String] {
        switch self {
        case .noOp: return ["no-op"]
        case .create: return ["create"]
        case .update: return ["update"]
        case .replace: return ["delete", "create"]
        case .delete: return ["delete"]
        }
    }
}
