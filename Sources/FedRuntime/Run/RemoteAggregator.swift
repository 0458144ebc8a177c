import FedCloud
import FedHTTP
import FedHost
import FedProcess
import Foundation

/// How the run reaches its aggregator service, wherever it runs.
protocol AggregatorHandle: AnyObject {
    func start() throws
    /// Throws `HTTPUnreachable` when the service is gone (the round then restarts it).
    func ensureRunning() throws
    var isAlive: Bool { get }
    func restart() throws
    func stop()
}

extension AggregatorProcess: AggregatorHandle {}

/// The aggregator service on an SSH host: the binary, its certificate, key and the run's launch
/// file reach the host over SSH (0600), it is started detached in its own session, its start is
/// awaited, and it is stopped as a process group.
final class RemoteAggregator: AggregatorHandle {
    let machine: SSHProvider.Machine
    let directory: String
    let federationDirectory: String
    let port: Int
    let bind: String
    let launch: AggregatorLaunch
    private var host: SSHHost { machine.host }

    init(machine: SSHProvider.Machine, directory: String, federationDirectory: String, port: Int, bind: String, launch: AggregatorLaunch) {
        self.machine = machine
        self.directory = directory
        self.federationDirectory = federationDirectory
        self.port = port
        self.bind = bind
        self.launch = launch
    }

    private var pidFile: String { "\(directory)/aggregator.pid" }

    func start() throws {
        try? host.stopGroup(pidFile: pidFile, grace: 2)   // one left by an apply that was killed
        let binary = try AgentBinary.shared.ensure(on: host, federationDirectory: federationDirectory, installed: machine.agentPath)
        var remote = launch
        if let tls = launch.tls {
            try host.put(URL(fileURLWithPath: tls.caFile), to: "\(directory)/tls/ca.pem")
            try host.put(URL(fileURLWithPath: tls.certificateFile), to: "\(directory)/tls/server.pem")
            try host.put(URL(fileURLWithPath: tls.keyFile), to: "\(directory)/tls/server.key")
            remote.tls = ServerTLS(caFile: "tls/ca.pem", certificateFile: "tls/server.pem", keyFile: "tls/server.key")
        }
        // A regional aggregator's certificate toward its parent (hierarchical topology).
        if let link = launch.parent, let tls = link.tls {
            try host.put(URL(fileURLWithPath: tls.caFile), to: "\(directory)/tls/parent-ca.pem")
            var shipped = ClientTLS(caFile: "tls/parent-ca.pem", certificateFile: nil, keyFile: nil)
            if let c = tls.certificateFile, let k = tls.keyFile {
                try host.put(URL(fileURLWithPath: c), to: "\(directory)/tls/client.pem")
                try host.put(URL(fileURLWithPath: k), to: "\(directory)/tls/client.key")
                shipped.certificateFile = "tls/client.pem"
                shipped.keyFile = "tls/client.key"
            }
            remote.parent?.tls = shipped
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try host.put(try e.encode(remote), to: "\(directory)/aggregator.json")
        try host.run("rm -f \(Shell.quote(directory + "/ready"))", "clear the ready mark")
        let relative = AgentBinary.command(binary, installed: machine.agentPath)
        _ = try host.startDetached([relative, "aggregator", "--bind", bind, "--port", "\(port)", "--config", "aggregator.json", "--ready-file", "ready"],
                                   in: directory, log: "aggregator.log", pidFile: "aggregator.pid")
        let deadline = Date().addingTimeInterval(30)
        while true {
            let state = try host.shell("cd \(Shell.quote(directory)) && if [ -f ready ]; then echo ready; elif kill -0 -$(cat aggregator.pid) 2>/dev/null; then echo starting; else echo dead; fi",
                                       input: nil, timeout: 15)
            let answer = state.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if answer == "ready" { return }
            if answer == "dead" {
                throw RunCoordinator.Failure(description: "the aggregator on \(host.label) exited at start: \(host.tail("\(directory)/aggregator.log", lines: 3))")
            }
            guard Date() < deadline else { throw RunCoordinator.Failure(description: "the aggregator on \(host.label) did not start listening within 30 s: \(host.tail("\(directory)/aggregator.log", lines: 3))") }
            usleep(100_000)
        }
    }

    func ensureRunning() throws {
        guard isAlive else { throw HTTPUnreachable(description: "the aggregator on \(host.label) is not running") }
    }

    var isAlive: Bool { (try? host.isAlive(pidFile: pidFile)) ?? false }

    func restart() throws {
        stop()
        try start()
    }

    func stop() {
        // Also when the run is being interrupted: the service must not outlive fedplane there.
        ChildProcess.cleanup { try? host.stopGroup(pidFile: pidFile, grace: Shutdown.isUrgent ? 0 : 5) }
    }
}
