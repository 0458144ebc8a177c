import Foundation

/// Starts fedplane's own binary as the aggregator or an agent, in a working directory, with its
/// output in a log file there. The local provider's way of "running on a VM".
struct RunProcesses {
    /// The running fedplane binary (tests and users run it from anywhere).
    static var executable: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    }

    static func start(_ arguments: [String], in directory: URL, log: String) throws -> Process {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = directory
        let logURL = directory.appendingPathComponent(log)
        if !FileManager.default.fileExists(atPath: logURL.path) { _ = FileManager.default.createFile(atPath: logURL.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: logURL)
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? handle.close()
        return p
    }

    /// Waits for `p` up to `seconds`; kills it (SIGKILL) when it is still running then.
    /// Returns nil on timeout, else its exit status (a signal shows as 128 + signal).
    static func wait(_ p: Process, seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            return nil
        }
        return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    }
}
