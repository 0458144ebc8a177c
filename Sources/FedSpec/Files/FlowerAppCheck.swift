import Foundation

/// Checks `training.flower.app` before anything runs it: a directory holding a pyproject.toml
/// that declares fedplane's run-config keys (without them `flwr run --run-config` refuses the
/// paths fedplane passes, and the run would fail only after its processes started).
public enum FlowerAppCheck {
    /// The keys an app must declare under [tool.flwr.app.config]; `fedplane-nodes` is optional.
    public static let requiredKeys = ["fedplane-metrics-path", "fedplane-model-path"]
    public static let optionalKeys = ["fedplane-nodes"]

    /// The app directory, resolved against `specDirectory` when relative.
    public static func directory(_ app: String, specDirectory: URL) -> URL {
        app.hasPrefix("/") ? URL(fileURLWithPath: app) : specDirectory.appendingPathComponent(app)
    }

    /// nil when the app is usable; else what is wrong.
    public static func problem(_ app: String, specDirectory: URL) -> String? {
        let dir = directory(app, specDirectory: specDirectory)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) else {
            return "the Flower app directory \(dir.path) does not exist"
        }
        guard isDir.boolValue else { return "\(dir.path) is a file; give the Flower app's directory (the one with pyproject.toml)" }
        let pyproject = dir.appendingPathComponent("pyproject.toml")
        guard let text = try? String(contentsOf: pyproject, encoding: .utf8) else {
            return "the Flower app directory \(dir.path) has no readable pyproject.toml"
        }
        let missing = requiredKeys.filter { !declares(text, key: $0) }
        guard missing.isEmpty else {
            return "\(pyproject.path) does not declare \(missing.joined(separator: " and ")) under [tool.flwr.app.config]; add "
                + missing.map { "\($0) = \"\"" }.joined(separator: " and ")
                + " (fedplane passes these paths to the ServerApp; README: Flower apps on fedplane infrastructure)"
        }
        return nil
    }

    /// Whether the pyproject text assigns `key` (a line `key = …`, the form TOML requires for a
    /// dashed key outside quotes). A light check, not a TOML parser.
    public static func declares(_ text: String, key: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            for k in [key, "\"\(key)\""] where t.hasPrefix(k) {
                if t.dropFirst(k.count).trimmingCharacters(in: .whitespaces).hasPrefix("=") { return true }
            }
            return false
        }
    }
}

/// The spec-level check: positioned at training.flower.app.
struct FlowerAppReferenceCheck {
    let spec: Spec
    let ctx: DecodeContext
    let specDirectory: URL

    func run() {
        guard spec.training.runtime == .flower, let flower = spec.training.flower else { return }
        if let problem = FlowerAppCheck.problem(flower.app, specDirectory: specDirectory) {
            ctx.error(flower.appMark, SpecPath.root.appending("training").appending("flower").appending("app"), problem)
        }
    }
}
