import FedHTTP
import FedProcess
import Foundation

/// The aggregator service as a process on its host (the local provider: this machine, in the
/// aggregator's working directory, on its reserved port).
final class AggregatorProcess {
    let workdir: URL
    let port: Int
    let configFile: URL
    let bind: String
    /// `aggregator.main` or `aggregator.regional.<n>`, for messages.
    let address: String
    private var process: ChildProcess?
    /// Where this start's lines begin in the log (it is appended to across starts).
    private var logOffset: UInt64 = 0

    init(workdir: URL, port: Int, configFile: URL, bind: String = "127.0.0.1", address: String = "aggregator.main") {
        self.workdir = workdir
        self.port = port
        self.configFile = configFile
        self.bind = bind
        self.address = address
    }

    func start() throws {
        stopLeftover()
        let ready = workdir.appendingPathComponent("ready")
        try? FileManager.default.removeItem(at: ready)
        let log = workdir.appendingPathComponent("aggregator.log").path
        logOffset = ((try? FileManager.default.attributesOfItem(atPath: log))?[.size] as? NSNumber)?.uint64Value ?? 0
        let p = try RunProcesses.start(["aggregator", "--bind", bind, "--port", "\(port)", "--config", configFile.path, "--ready-file", ready.path],
                                       in: workdir, log: "aggregator.log")
        try? Data("\(p.pid)\n".utf8).write(to: workdir.appendingPathComponent("aggregator.pid"))
        process = p
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: ready.path) {
            guard p.isRunning else {
                let tail = logTail()
                // The port was reserved when the aggregator was created; something else took it since.
                if tail.contains("Address already in use") {
                    throw RunCoordinator.Failure(description: "\(address) cannot listen on \(bind):\(port), the port recorded for it: another process holds it (`ss -ltnp 'sport = :\(port)'` names it); stop that process and apply again")
                }
                throw RunCoordinator.Failure(description: "the aggregator exited at start: \(tail)")
            }
            guard Date() < deadline else { throw RunCoordinator.Failure(description: "the aggregator did not start listening within 20 s: \(logTail())") }
            usleep(20_000)
        }
    }

    /// Restarts a dead aggregator (state lives in fedplane's state and model store, not in it).
    func ensureRunning() throws {
        if process?.isRunning != true { throw HTTPUnreachable(description: "the aggregator process is not running") }
    }

    var isAlive: Bool { process?.isRunning == true }

    func restart() throws {
        stop()
        try start()
    }

    func stop() {
        guard let p = process else { return }
        p.stop(grace: Shutdown.isUrgent ? 0 : 5)
    }

    /// An aggregator left running by an apply that was killed still holds the port: stop it
    /// (only if the recorded pid really is a fedplane aggregator).
    private func stopLeftover() {
        let pidFile = workdir.appendingPathComponent("aggregator.pid")
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
              let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")),
              String(decoding: cmdline, as: UTF8.self).contains("aggregator") else { return }
        ProcessTree.stop(root: pid, grace: 2)
        usleep(50_000)
    }

    /// The last lines this start wrote.
    private func logTail() -> String {
        guard let h = FileHandle(forReadingAtPath: workdir.appendingPathComponent("aggregator.log").path) else { return "" }
        defer { try? h.close() }
        try? h.seek(toOffset: logOffset)
        let data = (try? h.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " / ")
    }
}

/// The aggregator could not be reached: a restart may help.
struct HTTPUnreachable: Error, CustomStringConvertible {
    var description: String
}
