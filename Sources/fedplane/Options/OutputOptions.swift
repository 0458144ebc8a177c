import ArgumentParser
import FedSpec
import FedState
import Foundation

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    @Flag(name: .customLong("no-color"), help: "Never colour the output (it is coloured only on a terminal).")
    var noColor = false

    /// Colour only when writing to a terminal, and never when NO_COLOR or FEDPLANE_NO_COLOR is set
    /// or --no-color is given.
    var color: Bool {
        let env = ProcessInfo.processInfo.environment
        return !noColor && isatty(STDOUT_FILENO) == 1 && env["NO_COLOR"] == nil && env["FEDPLANE_NO_COLOR"] == nil
    }
}

/// Which spec a command works on.
struct SpecOptions: ParsableArguments {
    static let defaultFile = "fedplane.yaml"

    @Option(name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("The federation spec.", valueName: "spec"))
    var file: String = SpecOptions.defaultFile

    /// Whether the user named a spec (hints then repeat it).
    var isDefault: Bool { file == Self.defaultFile }
}

/// Where the state is, for commands that only read it (no lock, so no --lock-timeout).
struct StatePathOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp("The state: a SQLite file (default: .fedplane/<metadata.name>.db next to the spec) or a postgres:// URL; default from FEDPLANE_STATE.", valueName: "path|url"))
    var given: String?

    /// `--state`, else `FEDPLANE_STATE` (pipelines set it once for every command).
    var path: String? { given ?? StateEnvironment.state }
}

/// Where the state is and how long to wait for its lock: for commands that write it.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp("The state: a SQLite file (default: .fedplane/<metadata.name>.db next to the spec) or a postgres:// URL; default from FEDPLANE_STATE.", valueName: "path|url"))
    var given: String?

    /// `--state`, else `FEDPLANE_STATE` (pipelines set it once for every command).
    var path: String? { given ?? StateEnvironment.state }

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("How long to wait for the state lock, e.g. 30s (default: fail at once when it is locked).", valueName: "duration"))
    var lockTimeout: String?

    func validate() throws {
        _ = try timeout()
    }

    /// `--lock-timeout`, else `FEDPLANE_LOCK_TIMEOUT`, else fail at once.
    func timeout() throws -> Duration {
        let env = ProcessInfo.processInfo.environment["FEDPLANE_LOCK_TIMEOUT"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text = lockTimeout ?? env else { return .zero }
        switch TimeSpanParse.parse(text) {
        case .success(let ms): return .milliseconds(Int64(ms))
        case .failure(let e): throw ValidationError("\(lockTimeout == nil ? "FEDPLANE_LOCK_TIMEOUT" : "--lock-timeout"): \(e.message)")
        }
    }
}

/// Commands fedplane suggests in hints, repeating the spec and state the user gave, so a
/// copied hint works (`fedplane models pull 3f2a… -o model.safetensors -f specs/quickstart.yaml`).
enum Hint {
    static func command(_ words: String, spec: SpecOptions? = nil, statePath: String? = nil) -> String {
        var out = "fedplane \(words)"
        if let spec, !spec.isDefault { out += " -f \(shellQuoted(spec.file))" }
        if let statePath {
            // A URL carries a password: never repeat it; name the variable it came from, or mask it.
            if PostgresURL.isPostgres(statePath) {
                out += StateEnvironment.state == statePath ? " --state \"$FEDPLANE_STATE\"" : " --state '\(StateSource(statePath))'"
            } else {
                out += " --state \(shellQuoted(statePath))"
            }
        }
        return out
    }

    /// Quoted for a POSIX shell when it needs to be.
    static func shellQuoted(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !s.isEmpty && s.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// The `FEDPLANE_*` variables pipelines set instead of repeating flags.
enum StateEnvironment {
    /// `FEDPLANE_STATE`: the state file or postgres:// URL (like `--state`).
    static var state: String? { ProcessInfo.processInfo.environment["FEDPLANE_STATE"].flatMap { $0.isEmpty ? nil : $0 } }
}
