import Foundation

/// The JSON form of a simulation result: every field of `SimulationResult`, keys sorted, so the
/// same result always gives the same bytes.
extension SimulationResult {
    public func renderJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public static func decode(json: String) throws -> SimulationResult {
        try JSONDecoder().decode(SimulationResult.self, from: Data(json.utf8))
    }
}
