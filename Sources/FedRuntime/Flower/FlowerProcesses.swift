import FedHost
import FedProcess
import Foundation

/// One place where Flower runs something: a host, a directory there (absolute) and the host's
/// interpreter. The SuperLink's site is the aggregator's host; each SuperNode's is its
/// participant's assigned VM; the CLI's is this machine.
struct FlowerSite: Sendable {
    var host: any FedHost.Host
    var directory: String
    var interpreter: FlowerInterpreter
    var home: String { "\(directory)/home" }

    /// Makes `directory` on the host and returns its absolute form (an SSH host's workdir is
    /// relative to the login directory; Flower's FLWR_HOME and database must not be).
    static func prepare(host: any FedHost.Host, directory: String, interpreter: FlowerInterpreter) throws -> FlowerSite {
        let abs = try host.run("umask 077 && mkdir -p \(Shell.quote(directory))/home && cd \(Shell.quote(directory)) && pwd", "prepare \(directory)")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return FlowerSite(host: host, directory: abs, interpreter: interpreter)
    }

    /// Starts a Flower program detached in its own session, with the offline-safe environment.
    func start(_ program: String, _ arguments: [String], log: String, pidFile: String, marker: String) throws {
        _ = try host.startDetached(interpreter.environment(home: home, marker: marker) + [interpreter.script(program)] + arguments,
                                   in: directory, log: log, pidFile: pidFile)
    }

    /// Runs a `flwr` CLI command to its end; its stdout, or a failure with its output's tail.
    func flwr(_ arguments: [String], marker: String, timeout: Double = 120) throws -> HostOutput {
        let argv = interpreter.environment(home: home, marker: marker) + [interpreter.script("flwr")] + arguments
        return try host.shell("cd \(Shell.quote(directory)) && \(Shell.command(argv)) < /dev/null", input: nil, timeout: timeout)
    }

    func isAlive(pidFile: String) -> Bool { (try? host.isAlive(pidFile: "\(directory)/\(pidFile)")) ?? false }

    func tail(_ file: String, lines: Int = 5) -> String {
        host.tail("\(directory)/\(file)", lines: lines).split(separator: "\n").map(String.init).joined(separator: " / ")
    }

    /// Why a Flower process that exited did so, from its log: flwr's exit record (`ERROR : Exit
    /// Code: N` and the lines that explain it), else the log's last lines. Not simply the tail: on
    /// its way out a SuperNode stops its SuperExec child, whose farewell (or, if it was still
    /// importing, a KeyboardInterrupt traceback) follows the reason. Only the exit record: flwr
    /// logs recoverable problems as ERROR too, and a process killed later died of something else.
    func exitReason(_ file: String) -> String {
        Self.exitReason(log: FlowerNodeStarter.plain(host.tail("\(directory)/\(file)", lines: 200)))
    }

    static func exitReason(log: String) -> String {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let exit = lines.lastIndex(where: { $0.hasPrefix("ERROR") && $0.contains("Exit Code:") }) else {
            return lines.filter { !$0.isEmpty }.suffix(3).joined(separator: " / ")
        }
        // The record and what follows it up to the first blank line or next log record.
        let explanation = lines[(exit + 1)...].prefix { line in
            !line.isEmpty && !["INFO", "WARNING", "ERROR", "DEBUG", "Traceback"].contains { line.hasPrefix($0) }
        }
        return ([lines[exit]] + explanation.prefix(4)).joined(separator: " / ")
    }

    /// A file's bytes from the host (base64 through the shell, so binary files survive); nil
    /// when it does not exist.
    func read(_ path: String) throws -> [UInt8]? {
        let out = try host.shell("f=\(Shell.quote(path)); [ -f \"$f\" ] || exit 3; base64 < \"$f\"", input: nil, timeout: 120)
        if out.status == 3 { return nil }
        guard out.status == 0, let data = Data(base64Encoded: out.stdout, options: .ignoreUnknownCharacters) else {
            throw FlowerRun.Failure(description: "reading \(path) on \(host.label) failed: \(out.tail)")
        }
        return [UInt8](data)
    }
}

/// Stops Flower's processes by the marker in their environment: the programs fedplane started
/// and everything they started, including flower-superexec, which detaches into a session of
/// its own and so escapes a process-group kill. TERM, then KILL after `grace` seconds.
enum FlowerProcesses {
    static let markerName = "FEDPLANE_FLOWER"

    static func script(marker: String, grace: Double) -> String {
        let tries = max(1, Int(grace / 0.2))
        return """
        m=\(Shell.quote("\(markerName)=\(marker)"))
        pids() { for e in /proc/[0-9]*/environ; do grep -qzx -- "$m" "$e" 2>/dev/null && { p=${e#/proc/}; echo "${p%/environ}"; }; done; }
        ps=$(pids); [ -z "$ps" ] && exit 0
        kill -TERM $ps 2>/dev/null
        i=0; while [ $i -lt \(tries) ]; do [ -z "$(pids)" ] && exit 0; sleep 0.2; i=$((i+1)); done
        ps=$(pids); [ -n "$ps" ] && kill -KILL $ps 2>/dev/null
        exit 0
        """
    }

    /// On this machine it is done in-process: after a stop signal no child process (not even a
    /// shell) may start, and that is exactly when the processes must go. On an SSH host it needs
    /// ssh, so after a signal they are left to the next apply, which stops them by the marker
    /// it recorded.
    static func stop(marker: String, on host: any FedHost.Host, grace: Double) {
        guard host is LocalHost else {
            // Also while a stop signal is being handled: the Flower processes on other hosts
            // must not outlive the apply.
            _ = ChildProcess.cleanup { try? host.shell(script(marker: marker, grace: grace), input: nil, timeout: grace + 30) }
            return
        }
        var pids = local(marker: marker)
        guard !pids.isEmpty else { return }
        for p in pids { kill(p, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            pids = local(marker: marker)
            if pids.isEmpty { return }
            usleep(100_000)
        }
        for p in local(marker: marker) { kill(p, SIGKILL) }
        let settle = Date().addingTimeInterval(2)
        while !local(marker: marker).isEmpty && Date() < settle { usleep(50_000) }
    }

    /// Live processes of this machine whose environment holds the marker (zombies have none).
    static func local(marker: String) -> [Int32] {
        let needle = Array("\(markerName)=\(marker)".utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name in
            guard let pid = Int32(name), pid != getpid(), let env = FileManager.default.contents(atPath: "/proc/\(name)/environ") else { return nil }
            return env.split(separator: 0).contains { $0.elementsEqual(needle) } ? pid : nil
        }
    }

    /// The pids of processes still carrying the marker on a host (tests: nothing is left).
    static func running(marker: String, on host: any FedHost.Host) -> [Int] {
        if host is LocalHost { return local(marker: marker).map(Int.init) }
        let s = "m=\(Shell.quote("\(markerName)=\(marker)")); for e in /proc/[0-9]*/environ; do grep -qzx -- \"$m\" \"$e\" 2>/dev/null && { p=${e#/proc/}; echo \"${p%/environ}\"; }; done; exit 0"
        return ((try? host.shell(s, input: nil, timeout: 30).stdout) ?? "").split(separator: "\n").compactMap { Int($0) }
    }
}
