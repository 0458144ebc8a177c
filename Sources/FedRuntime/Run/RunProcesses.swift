import FedProcess
import Foundation

/// Starts fedplane's own binary as the aggregator or an agent, in a working directory, with its
/// output appended to a log file there: the local provider's way of "running on a VM". The one
/// place where the aggregator's and agents' processes are launched; each is a `ChildProcess`
/// (its own process group, stopped with everything it started).
struct RunProcesses {
    /// The running fedplane binary (tests and users run it from anywhere).
    static var executable: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    }

    static func start(_ arguments: [String], in directory: URL, log: String) throws -> ChildProcess {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try ChildProcess.start(executable, arguments: arguments, directory: directory,
                                      output: .init(stdout: directory.appendingPathComponent(log)))
    }

    /// Waits for `p` up to `seconds`; stops it with its tree when it is still running then.
    /// Returns nil on timeout, else its exit status (a signal shows as 128 + signal).
    static func wait(_ p: ChildProcess, seconds: Double) -> Int32? {
        guard let ended = p.wait(seconds: seconds) else {
            p.stop(grace: 2)
            return nil
        }
        // Whatever the task left behind (a trainer's background helper) ends with it.
        ProcessTree.stop(root: p.pid, grace: 0)
        return ended.status
    }
}
