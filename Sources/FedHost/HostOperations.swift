import Foundation

/// What the runtime does on a host, each as one short script (one SSH round trip on a
/// multiplexed connection).
extension Host {
    /// Runs `script`; a non-zero exit is a `HostError` naming `operation` with the script's output.
    @discardableResult
    public func run(_ script: String, _ operation: String, input: URL? = nil, timeout: Double = 60) throws(HostError) -> String {
        let out = try shell(script, input: input, timeout: timeout)
        guard out.status == 0 else { throw HostError(.failed, host: label, operation: operation, message: out.tail.isEmpty ? "exit \(out.status)" : out.tail) }
        return out.stdout
    }

    /// vCPUs, memory, free disk under `directory` (or its nearest existing parent), load, system.
    public func facts(directory: String, timeout: Double = 15) throws(HostError) -> HostFacts {
        let script = """
        d=\(Shell.quote(directory)); while [ ! -d "$d" ]; do d=$(dirname "$d"); done
        echo "vcpu=$(nproc)"; awk '/^MemTotal:/{print "memKiB=" $2}' /proc/meminfo
        df -Pk "$d" | awk 'NR==2{print "diskKiB=" $4}'; echo "load=$(cut -d' ' -f1 /proc/loadavg)"; echo "system=$(uname -sm)"
        """
        let text = try run(script, "probe", timeout: timeout)
        var kv: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { kv[String(parts[0])] = String(parts[1]) }
        }
        guard let vcpu = kv["vcpu"].flatMap({ Int($0) }), let mem = kv["memKiB"].flatMap({ Double($0) }),
              let disk = kv["diskKiB"].flatMap({ Double($0) }) else {
            throw HostError(.failed, host: label, operation: "probe", message: "unexpected answer: \(text.prefix(200))")
        }
        let gib = 1024.0 * 1024.0
        return HostFacts(vcpu: vcpu, memoryGiB: (mem / gib * 100).rounded() / 100, freeDiskGiB: (disk / gib * 100).rounded() / 100,
                         load: kv["load"].flatMap { Double($0) } ?? 0, system: kv["system"] ?? "unknown")
    }

    /// Copies the local file `source` to `path` on the host with `mode`, through stdin (never a
    /// command line); the file appears whole or not at all, and is never readable by others
    /// while it is written.
    public func put(_ source: URL, to path: String, mode: String = "600", timeout: Double = 120) throws(HostError) {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = "\(path).part"
        try run("umask 077 && mkdir -p \(Shell.quote(dir)) && cat > \(Shell.quote(tmp)) && chmod \(mode) \(Shell.quote(tmp)) && mv -f \(Shell.quote(tmp)) \(Shell.quote(path))",
                "copy \(source.lastPathComponent) to \(path)", input: source, timeout: timeout)
    }

    /// Writes `data` to `path` on the host (0600 unless told otherwise).
    public func put(_ data: Data, to path: String, mode: String = "600") throws(HostError) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-put-\(UUID().uuidString)")
        do {
            // The local copy is as private as the remote one, and gone right after.
            guard FileManager.default.createFile(atPath: scratch.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
            try data.write(to: scratch)
        } catch {
            throw HostError(.failed, host: "this machine", operation: "stage \(path)", message: "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        try put(scratch, to: path, mode: mode)
    }

    /// Runs `argv` in `directory` in its own session (so it can be stopped as a group, and an SSH
    /// connection that drops does not kill it), output to `log`, its pid in `pidFile`, and waits
    /// for its end. Returns its exit status; nil when it outlived `timeout` (then its whole group
    /// is stopped).
    public func runToEnd(_ argv: [String], in directory: String, log: String, pidFile: String, timeout: Double) throws(HostError) -> Int32? {
        // A watchdog reads the session's stdin, which nothing writes: end-of-file means fedplane
        // is gone (killed, interrupted, its connection dropped), and the process group it
        // started is stopped instead of running on unattended.
        let script = """
        cd \(Shell.quote(directory)) || exit 1
        setsid \(Shell.command(argv)) >> \(Shell.quote(log)) 2>&1 < /dev/null & p=$!
        echo $p > \(Shell.quote(pidFile))
        exec 3<&0
        ( read -r _ <&3; kill -TERM -$p 2>/dev/null; sleep 5; kill -KILL -$p 2>/dev/null ) >/dev/null 2>&1 & w=$!
        exec 3<&-
        wait $p; s=$?
        kill $w 2>/dev/null
        exit $s
        """
        do {
            return try shell(script, input: nil, timeout: timeout).status
        } catch let e where e.kind == .timedOut {
            try? stopGroup(pidFile: "\(directory)/\(pidFile)", grace: 2)
            return nil
        }
    }

    /// Starts `argv` in `directory` detached, in its own session; returns its pid once its
    /// process group exists (so a check right after sees it).
    public func startDetached(_ argv: [String], in directory: String, log: String, pidFile: String) throws(HostError) -> Int {
        let script = "mkdir -p \(Shell.quote(directory)) && cd \(Shell.quote(directory)) && { setsid \(Shell.command(argv)) >> \(Shell.quote(log)) 2>&1 < /dev/null & p=$!; echo $p > \(Shell.quote(pidFile)); i=0; while ! kill -0 -$p 2>/dev/null && [ $i -lt 50 ]; do sleep 0.02; i=$((i+1)); done; echo $p; }"
        let out = try run(script, "start \(argv.dropFirst().first ?? argv.first ?? "")")
        guard let pid = Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HostError(.failed, host: label, operation: "start", message: "no pid in \(out.prefix(80))")
        }
        return pid
    }

    /// Whether the process group whose leader's pid is in `pidFile` still has a process.
    public func isAlive(pidFile: String) throws(HostError) -> Bool {
        let out = try shell("p=$(cat \(Shell.quote(pidFile)) 2>/dev/null) && [ -n \"$p\" ] && kill -0 -\"$p\" 2>/dev/null", input: nil, timeout: 15)
        return out.status == 0
    }

    /// Stops the process group named by `pidFile`: TERM, then KILL after `grace` seconds.
    public func stopGroup(pidFile: String, grace: Double) throws(HostError) {
        let tries = max(1, Int(grace / 0.2))
        try run("""
        p=$(cat \(Shell.quote(pidFile)) 2>/dev/null) || exit 0; [ -n "$p" ] || exit 0
        kill -TERM -"$p" 2>/dev/null || exit 0
        i=0; while [ $i -lt \(tries) ]; do kill -0 -"$p" 2>/dev/null || exit 0; sleep 0.2; i=$((i+1)); done
        kill -KILL -"$p" 2>/dev/null
        i=0; while [ $i -lt 50 ] && kill -0 -"$p" 2>/dev/null; do sleep 0.05; i=$((i+1)); done; exit 0
        """, "stop the process of \(pidFile)", timeout: grace + 20)
    }

    /// The last `lines` lines of a file on the host ("" when it is missing).
    public func tail(_ path: String, lines: Int = 5) -> String {
        (try? shell("tail -n \(lines) \(Shell.quote(path)) 2>/dev/null", input: nil, timeout: 15).stdout) ?? ""
    }

    public func remove(_ path: String) throws(HostError) {
        try run("rm -rf -- \(Shell.quote(path))", "remove \(path)")
    }

    public func exists(_ path: String) throws(HostError) -> Bool {
        try shell("test -e \(Shell.quote(path))", input: nil, timeout: 15).status == 0
    }
}
