import FedDigest
import FedState
import Foundation

/// A saved plan (`plan --out`): a versioned envelope pinned to the state's lineage and serial, the
/// spec's digest and the catalog version, with a checksum over the plan so an edited file is
/// refused. The only place plan files are read or written.
public enum PlanFile {
    public static let format = "fedplane-plan"
    public static let version = 1

    struct Envelope: Codable {
        var format: String
        var formatVersion: Int
        var fedplaneVersion: String
        var specPath: String
        var checksum: String
        var plan: Plan
    }

    /// Why a plan file cannot be used.
    public struct Unusable: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "plan file \(path) cannot be applied: \(reason)" }
    }

    public static func encode(_ plan: Plan, specPath: String, toolVersion: String) throws -> Data {
        let env = Envelope(format: format, formatVersion: version, fedplaneVersion: toolVersion, specPath: specPath,
                           checksum: try checksum(plan), plan: plan)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(env) + Data("\n".utf8)
    }

    public static func decode(_ data: Data, path: String) throws -> (plan: Plan, specPath: String) {
        guard let env = try? JSONDecoder().decode(Envelope.self, from: data) else {
            throw Unusable(path: path, reason: "it is not a fedplane plan file (or it is damaged)")
        }
        guard env.format == format, env.formatVersion == version else {
            throw Unusable(path: path, reason: "format \(env.format) v\(env.formatVersion) is not \(format) v\(version)")
        }
        guard try checksum(env.plan) == env.checksum else {
            throw Unusable(path: path, reason: "checksum mismatch: the file was edited or damaged after `fedplane plan` wrote it")
        }
        return (env.plan, env.specPath)
    }

    static func checksum(_ plan: Plan) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return "sha256:" + SHA256.hex([UInt8](try e.encode(plan)))
    }
}
