import ArgumentParser
import FedSpec
import Foundation

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    @Flag(name: .customLong("no-color"), help: "Never colour the output (it is coloured only on a terminal).")
    var noColor = false

    /// Colour only when writing to a terminal, and never when NO_COLOR is set or --no-color is given.
    var color: Bool {
        !noColor && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}

/// Which spec a command works on.
struct SpecOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("file")], help: "The federation spec.")
    var file: String = "fedplane.yaml"
}

/// Where the state is and how long to wait for its lock.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: "The state database (default: .fedplane/<metadata.name>.db next to the spec).")
    var path: String?

    @Option(name: .customLong("lock-timeout"), help: "How long to wait for the state lock, e.g. 30s (default: fail at once).")
    var lockTimeout: String = "0s"

    func validate() throws {
        _ = try timeout()
    }

    func timeout() throws -> Duration {
        switch TimeSpanParse.parse(lockTimeout) {
        case .success(let ms): return .milliseconds(Int64(ms))
        case .failure(let e): throw ValidationError("--lock-timeout: \(e.message)")
        }
    }
}
