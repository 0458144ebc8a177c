import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A network of real hosts on this machine: one network namespace per host, each with its own
/// address on a private /24, its own `sshd` (its own generated host key) and its own directory
/// (the host's "disk"), joined by a bridge in the root namespace that holds the subnet's `.1`, so
/// processes of the test (the `fedplane` binary under test, `ssh`) reach every host.
///
/// What a host is, concretely:
/// - `ip netns` namespace `fpb<pid36>-<k36>-<i36>` with `eth0` (the namespace end of a veth pair whose
///   root end, named like the namespace, is a port of the bridge `fpb<pid36>-<k36>`) and `lo`.
/// - `sshd` started inside it through `ip netns exec … unshare --uts`: `hostname` answers the host's
///   name, `/root` (root's home, where an SSH session starts) is the host's `directory`, and `/tmp`
///   is `directory/tmp`. Everything else of the machine's filesystem is shared (namespaces are
///   not VMs): a test places a host's data only in its `directory` and scans those trees.
/// - Users log in as `root` with the testbed's one user key (`userKeyPath`); host keys are checked
///   strictly against `knownHostsPath`.
///
/// Names (`fpb<pid36>-<k>-<i>`) carry the creating process's pid (base 36) and a per-process counter, so leftovers of a
/// process that died without tearing down (SIGKILL) are recognised and swept by the next testbed.
/// The subnet is `10.77.<j>.0/24` with the first `j` that no address or route of the machine
/// touches, chosen under a machine-wide lock, so testbeds of concurrent test processes differ.
///
/// Layouts: `.namespacePerHost` (default) is one namespace + one sshd per host.
/// `.sharedNamespace` (for scale: probing 100 hosts) puts every host's address on one namespace
/// served by one sshd listening on 0.0.0.0: hosts then share the host key, the home directory,
/// the process table and the link (so `killSSHD`, `regenerateHostKey`, `limitBandwidth` act on all).
final class Testbed: @unchecked Sendable {
    struct HostSpec: Sendable, Hashable, ExpressibleByStringLiteral {
        var name: String
        var port: Int

        init(_ name: String, port: Int = 22) {
            self.name = name
            self.port = port
        }

        init(stringLiteral value: String) { self.init(value) }

        /// `prefix1 … prefixN`: the scale benchmark's hosts.
        static func numbered(_ count: Int, prefix: String = "vm-") -> [HostSpec] {
            (0..<count).map { HostSpec(prefix + String(format: "%03d", $0 + 1)) }
        }
    }

    enum Layout: Sendable { case namespacePerHost, sharedNamespace }

    struct Host: Sendable, Hashable {
        let name: String
        let index: Int
        /// The `ip netns` name the host's processes run in.
        let namespace: String
        /// The root-namespace end of the host's veth pair (a port of the bridge).
        let rootLink: String
        /// The host's interface inside its namespace.
        let interface: String
        let address: String
        let port: Int
        let user: String
        /// The host's "disk": root's home inside the host (`~` and the working directory of an
        /// SSH session) — in `.sharedNamespace` layout hosts share one home (`sharedHome`).
        let directory: URL
        /// sshd's own files (config, host key, pid file, log): outside `directory`.
        let sshdDirectory: URL
        /// `ssh-ed25519 AAAA…` (no comment): the host key sshd currently serves.
        var hostKeyPublicLine: String

        var configPath: URL { sshdDirectory.appendingPathComponent("sshd_config") }
        var hostKeyPath: URL { sshdDirectory.appendingPathComponent("ssh_host_ed25519_key") }
        var pidFile: URL { sshdDirectory.appendingPathComponent("sshd.pid") }
        var logPath: URL { sshdDirectory.appendingPathComponent("sshd.log") }
        /// How OpenSSH names the host in known_hosts: `addr` for port 22, `[addr]:port` otherwise.
        var knownHostsName: String { port == 22 ? address : "[\(address)]:\(port)" }
        var knownHostsLine: String { "\(knownHostsName) \(hostKeyPublicLine)" }
        var destination: String { "\(user)@\(address)" }
    }

    struct RunResult: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutData: Data
        var seconds: Double
        var timedOut: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    // MARK: Properties

    /// `fpb<pid36>-<k36>`: the bridge's name and every namespace's/link's prefix.
    let prefix: String
    let layout: Layout
    /// `/var/tmp/fpbed-<pid36>-<k36>`: everything the testbed writes on the machine.
    let root: URL
    /// `10.77.<j>`: the /24 this testbed owns (bridge is `.1`, hosts `.2`, `.3`, …).
    let subnet: String
    let bridge: String
    var bridgeAddress: String { "\(subnet).1" }
    /// The test user's private key (0600); its public half is every host's authorized key.
    let userKeyPath: URL
    /// `known_hosts` with one line per host (updated by `regenerateHostKey` only when asked).
    let knownHostsPath: URL
    /// An ssh_config with a `Host <name>` block per host (HostName, User, Port, IdentityFile,
    /// UserKnownHostsFile, StrictHostKeyChecking yes, BatchMode yes): `ssh -F sshConfigPath <name>`.
    let sshConfigPath: URL
    /// `.sharedNamespace`: the one home every host shares.
    var sharedHome: URL { root.appendingPathComponent("hosts/_shared") }
    /// Seconds the bring-up took (namespaces, keys, sshds, until every sshd accepted).
    private(set) var bringUpSeconds: Double = 0

    private let lock = NSLock()
    private var hostsByName: [String: Host] = [:]
    private var order: [String] = []
    private var tornDown = false
    private let counter: Int

    var hosts: [Host] { lock.withLock { order.compactMap { hostsByName[$0] } } }

    subscript(_ name: String) -> Host {
        guard let h = lock.withLock({ hostsByName[name] }) else { fatalError("Testbed has no host named \(name)") }
        return h
    }

    func host(_ name: String) -> Host { self[name] }

    // MARK: Availability

    static let ipPath = findExecutable("ip")
    static let tcPath = findExecutable("tc")
    static let sshPath = findExecutable("ssh")
    static let sshKeygenPath = findExecutable("ssh-keygen")
    static let sshdPath = "/usr/sbin/sshd"
    static let unsharePath = findExecutable("unshare")

    /// Whether this machine can build a testbed, and if not, why (tests must fail with it, not
    /// skip: CI installs openssh-server, openssh-client and iproute2 and runs as root).
    static var isAvailable: (Bool, String) {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (euid is \(geteuid()))") }
        if ipPath == nil { missing.append("`ip` (apt-get install iproute2)") }
        if tcPath == nil { missing.append("`tc` (apt-get install iproute2)") }
        if !FileManager.default.isExecutableFile(atPath: sshdPath) { missing.append("\(sshdPath) (apt-get install openssh-server)") }
        if sshPath == nil || sshKeygenPath == nil { missing.append("`ssh`/`ssh-keygen` (apt-get install openssh-client)") }
        if unsharePath == nil { missing.append("`unshare` (util-linux)") }
        if missing.isEmpty { return (true, "root, ip, tc, sshd, ssh, unshare present") }
        return (false, "the multi-host testbed needs " + missing.joined(separator: ", ")
                    + " — .ci/run installs them; run the suite as root")
    }

    // MARK: Life cycle

    /// Builds the network and starts every host's sshd; throws (after cleaning up what it made)
    /// when anything fails, with the failing command and sshd's log tail.
    init(hosts specs: [HostSpec], layout: Layout = .namespacePerHost, bringUpTimeout: Double = 20) throws {
        let (ok, why) = Testbed.isAvailable
        guard ok else { throw Failure(why) }
        guard !specs.isEmpty, specs.count <= 250 else { throw Failure("a testbed holds 1…250 hosts, not \(specs.count)") }
        guard Set(specs.map(\.name)).count == specs.count else { throw Failure("host names must be unique") }
        for s in specs where s.name.isEmpty || s.name.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            throw Failure("host name \"\(s.name)\" may only use letters, digits, - _ .")
        }
        let pid = Int(getpid())
        let k = Testbed.registry.next()
        counter = k
        prefix = Testbed.namePrefix + String(pid, radix: 36) + "-" + String(k, radix: 36)
        bridge = prefix
        self.layout = layout
        root = URL(fileURLWithPath: "/var/tmp/\(Testbed.dirPrefix)\(String(pid, radix: 36))-\(String(k, radix: 36))")
        userKeyPath = root.appendingPathComponent("user_ed25519")
        knownHostsPath = root.appendingPathComponent("known_hosts")
        sshConfigPath = root.appendingPathComponent("ssh_config")
        Testbed.registry.add(k)
        let start = Date()
        var cleanupOnFailure = true
        // The subnet is claimed (bridge address set) under a machine-wide lock.
        let machineLock = try Testbed.lockMachine()
        var machineLocked = true
        defer { if machineLocked { Testbed.unlockMachine(machineLock) } }
        Testbed.sweepLeftovers()
        guard let j = try Testbed.freeSubnet() else {
            Testbed.registry.remove(k)
            throw Failure("no free 10.77.<j>.0/24 subnet on this machine (all 256 are in use or overlap its routes)")
        }
        subnet = "10.77.\(j)"
        defer { if cleanupOnFailure { teardown() } }

        let fm = FileManager.default
        try? fm.removeItem(at: root)
        try fm.createDirectory(at: root.appendingPathComponent("hosts"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("sshd"), withIntermediateDirectories: true)

        var script = Testbed.scriptHeader
        script += """
        \(q(Testbed.sshKeygenPath!)) -q -t ed25519 -N '' -C fedplane-testbed-user -f \(q(userKeyPath.path))
        mkdir -p /run/sshd
        ip link add \(bridge) type bridge forward_delay 0
        ip addr add \(subnet).1/24 dev \(bridge)
        ip link set \(bridge) up

        """
        let shared = layout == .sharedNamespace
        var made: [Host] = []
        for (i, spec) in specs.enumerated() {
            let nsIndex = shared ? 0 : i
            let ns = prefix + "-" + String(nsIndex, radix: 36)
            guard ns.utf8.count <= 15 else { throw Failure("interface name \(ns) is longer than 15 characters") }
            let sshdDir = root.appendingPathComponent("sshd/" + (shared ? "_shared" : spec.name))
            let host = Host(name: spec.name, index: i, namespace: ns, rootLink: ns, interface: "eth0",
                            address: "\(subnet).\(i + 2)", port: spec.port, user: "root",
                            directory: root.appendingPathComponent("hosts/\(spec.name)"),
                            sshdDirectory: sshdDir, hostKeyPublicLine: "")
            try fm.createDirectory(at: host.directory, withIntermediateDirectories: true)
            made.append(host)
            if !shared || i == 0 {
                try fm.createDirectory(at: sshdDir, withIntermediateDirectories: true)
                script += """
                ip netns add \(ns)
                ip link add \(host.rootLink) type veth peer name eth0 netns \(ns)
                ip link set \(host.rootLink) master \(bridge) up
                ip -n \(ns) link set lo up
                ip -n \(ns) link set eth0 up
                \(q(Testbed.sshKeygenPath!)) -q -t ed25519 -N '' -C \(q(shared ? "shared" : spec.name)) -f \(q(host.hostKeyPath.path))

                """
            }
            script += "ip -n \(ns) addr add \(host.address)/24 dev eth0\n"
        }
        if shared {
            try fm.createDirectory(at: sharedHome.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        }
        // One sshd per namespace.
        let servers = shared ? [made[0]] : made
        for h in servers {
            let home = shared ? sharedHome : h.directory
            try fm.createDirectory(at: home.appendingPathComponent("tmp"), withIntermediateDirectories: true)
            chmod(home.appendingPathComponent("tmp").path, 0o1777)
            let listen = shared ? ["0.0.0.0"] : [h.address]
            let ports = shared ? Array(Set(specs.map(\.port))).sorted() : [h.port]
            try Testbed.sshdConfig(host: h, listen: listen, ports: ports, authorizedKeys: root.appendingPathComponent("authorized_keys"))
                .write(to: h.configPath, atomically: true, encoding: .utf8)
            script += startSSHDCommand(h, home: home, hostname: shared ? "shared" : h.name) + "\n"
        }
        script += "cp \(q(userKeyPath.path + ".pub")) \(q(root.appendingPathComponent("authorized_keys").path))\n"
        let r = Testbed.exec("/bin/bash", ["-c", script], timeout: max(60, Double(specs.count)))
        if r.status != 0 {
            throw Failure("testbed bring-up failed (status \(r.status)): \(r.stderr.suffix(1500))" + servers.map(logTail).joined())
        }
        // Host keys, known_hosts, ssh_config.
        for k in made.indices {
            let keyHost = shared ? made[0] : made[k]
            made[k].hostKeyPublicLine = try Testbed.publicLine(keyHost.hostKeyPath)
        }
        lock.withLock {
            for h in made { hostsByName[h.name] = h }
            order = made.map(\.name)
        }
        try writeKnownHosts()
        try writeSSHConfig()
        // The bridge address is claimed; other testbeds may choose now.
        Testbed.unlockMachine(machineLock)
        machineLocked = false
        try waitUntilAccepting(servers.flatMap { h in shared ? made.map { ($0, $0.port) } : [(h, h.port)] }, timeout: bringUpTimeout)
        bringUpSeconds = Date().timeIntervalSince(start)
        cleanupOnFailure = false
    }

    deinit { teardown() }

    /// Builds a testbed, runs `body`, and tears the testbed down however `body` ends.
    static func withTestbed<T>(_ hosts: [HostSpec], layout: Layout = .namespacePerHost,
                               body: (Testbed) throws -> T) throws -> T {
        let bed = try Testbed(hosts: hosts, layout: layout)
        defer { bed.teardown() }
        return try body(bed)
    }

    static func withTestbed<T>(_ hosts: [HostSpec], layout: Layout = .namespacePerHost,
                               body: (Testbed) async throws -> T) async throws -> T {
        let bed = try Testbed(hosts: hosts, layout: layout)
        defer { bed.teardown() }
        return try await body(bed)
    }

    /// Kills every process of every host (sshd first, by its pid file), deletes the namespaces,
    /// the bridge and leftover links, and removes `root`. Idempotent; never throws.
    func teardown() {
        let already = lock.withLock { () -> Bool in
            defer { tornDown = true }
            return tornDown
        }
        if already { return }
        let all = lock.withLock { order.compactMap { hostsByName[$0] } }
        for h in all {
            if let pid = Testbed.readPid(h.pidFile) { kill(pid, SIGKILL) }
        }
        let namespaces = Set(all.map(\.namespace)).union(Testbed.namespaceNames().filter { $0.hasPrefix(prefix + "-") })
        for ns in namespaces { Testbed.killProcesses(inNamespaceNamed: ns) }
        Testbed.killProcesses(mentioning: "/\(root.lastPathComponent)/")
        var batch = namespaces.map { "netns del \($0)" }
        batch += Set(all.map(\.rootLink)).map { "link del \($0)" }
        batch.append("link del \(bridge)")
        _ = Testbed.exec(Testbed.ipPath ?? "/usr/sbin/ip", ["-force", "-batch", "-"], stdin: Data((batch.joined(separator: "\n") + "\n").utf8))
        try? FileManager.default.removeItem(at: root)
        Testbed.registry.remove(counter)
    }

    /// Whether teardown left nothing of this testbed behind (namespaces, links, pids, files).
    func leftovers() -> [String] {
        var out: [String] = []
        out += Testbed.namespaceNames().filter { $0.hasPrefix(prefix + "-") }.map { "namespace \($0)" }
        out += Testbed.linkNames().filter { $0 == bridge || $0.hasPrefix(prefix + "-") }.map { "link \($0)" }
        if FileManager.default.fileExists(atPath: root.path) { out.append("directory \(root.path)") }
        out += Testbed.pids(mentioning: "/\(root.lastPathComponent)/").map { "process \($0)" }
        return out
    }

    // MARK: Using hosts

    /// `-F /dev/null -i key -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes
    /// -o UserKnownHostsFile=… -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR`.
    /// ssh keeps the FIRST value of an option: put overrides (`-o ConnectTimeout=1`) before these.
    var sshOptions: [String] {
        ["-F", "/dev/null", "-i", userKeyPath.path, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(knownHostsPath.path)",
         "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR"]
    }

    /// Arguments for `ssh` (without the remote command): options, `-p port`, `root@address`.
    func sshArguments(_ host: Host) -> [String] {
        sshOptions + ["-p", String(host.port), host.destination]
    }

    /// Runs `command` on `host` through the system ssh client (from the root namespace, or from
    /// inside `from`'s namespace). `stdin` is fed from a file (no SIGPIPE in the test process).
    @discardableResult
    func run(_ host: Host, _ command: String, stdin: Data? = nil, from: Host? = nil, timeout: Double = 60) -> RunResult {
        let args = sshArguments(host) + ["--", command]
        if let from {
            return Testbed.exec(Testbed.ipPath!, ["netns", "exec", from.namespace, Testbed.sshPath!] + args, stdin: stdin, timeout: timeout)
        }
        return Testbed.exec(Testbed.sshPath!, args, stdin: stdin, timeout: timeout)
    }

    @discardableResult
    func run(_ name: String, _ command: String, stdin: Data? = nil, timeout: Double = 60) -> RunResult {
        run(self[name], command, stdin: stdin, timeout: timeout)
    }

    /// Runs a program inside the host's network namespace directly (no ssh; the machine's
    /// filesystem, not the host's bind mounts).
    @discardableResult
    func execInNamespace(_ host: Host, _ executable: String, _ args: [String], stdin: Data? = nil, timeout: Double = 60) -> RunResult {
        Testbed.exec(Testbed.ipPath!, ["netns", "exec", host.namespace, executable] + args, stdin: stdin, timeout: timeout)
    }

    /// The pid in the host's sshd pid file, if that process is alive.
    func sshdPid(_ host: Host) -> pid_t? {
        guard let pid = Testbed.readPid(host.pidFile), Testbed.isAlive(pid) else { return nil }
        return pid
    }

    /// Kills the host's listening sshd (SIGKILL, by its pid file): new connections are refused.
    /// Sessions already open (and ControlMaster connections) survive — use `killAllProcesses`
    /// for "the host went down" including them.
    func killSSHD(_ host: Host) {
        if let pid = Testbed.readPid(host.pidFile) {
            kill(pid, SIGKILL)
            Testbed.waitDead(pid)
        }
    }

    /// Kills every process in the host's namespace: sshd, open sessions, anything started over
    /// ssh (an agent). With `.sharedNamespace` that is every host.
    func killAllProcesses(_ host: Host) {
        killSSHD(host)
        Testbed.killProcesses(inNamespaceNamed: host.namespace)
    }

    /// Starts the host's sshd again (same config and key) after `killSSHD`.
    func restartSSHD(_ host: Host) throws {
        let current = self[host.name]
        if let pid = sshdPid(current) { kill(pid, SIGKILL); Testbed.waitDead(pid) }
        try? FileManager.default.removeItem(at: current.pidFile)
        let home = layout == .sharedNamespace ? sharedHome : current.directory
        let r = Testbed.exec("/bin/bash", ["-c", Testbed.scriptHeader + startSSHDCommand(current, home: home, hostname: layout == .sharedNamespace ? "shared" : current.name)])
        if r.status != 0 { throw Failure("restarting sshd of \(host.name) failed: \(r.stderr)" + logTail(current)) }
        try waitUntilAccepting([(current, current.port)], timeout: 10)
    }

    /// Gives the host a NEW host key and restarts its sshd with it. `known_hosts` keeps the old
    /// line unless `updateKnownHosts` (so by default strict checking now refuses the host).
    /// Returns the host with its new `hostKeyPublicLine`.
    @discardableResult
    func regenerateHostKey(_ host: Host, updateKnownHosts: Bool = false) throws -> Host {
        var current = self[host.name]
        if let pid = Testbed.readPid(current.pidFile) { kill(pid, SIGKILL); Testbed.waitDead(pid) }
        try? FileManager.default.removeItem(at: current.hostKeyPath)
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: current.hostKeyPath.path + ".pub"))
        let r = Testbed.exec(Testbed.sshKeygenPath!, ["-q", "-t", "ed25519", "-N", "", "-C", current.name, "-f", current.hostKeyPath.path])
        if r.status != 0 { throw Failure("ssh-keygen for \(host.name) failed: \(r.stderr)") }
        let line = try Testbed.publicLine(current.hostKeyPath)
        let affected = layout == .sharedNamespace ? lock.withLock { order } : [current.name]
        lock.withLock { for n in affected { hostsByName[n]?.hostKeyPublicLine = line } }
        current.hostKeyPublicLine = line
        if updateKnownHosts { try writeKnownHosts() }
        try restartSSHD(current)
        return current
    }

    enum Direction: Sendable { case upload, download, both }

    /// Rate-limits the host's link with a token bucket (`tc qdisc … tbf`): `.upload` on the
    /// namespace's eth0 (host → network), `.download` on the bridge port (network → host).
    /// `rate` in tc syntax ("20mbit"). `nil` removes the limit.

    func limitBandwidth(_ host: Host, rate: String?, direction: Direction = .both,
                        burst: String = "64kb", latency: String = "200ms") throws {
        var cmds: [(ns: String?, dev: String)] = []
        if direction != .download { cmds.append((host.namespace, host.interface)) }
        if direction != .upload { cmds.append((nil, host.rootLink)) }
        for c in cmds {
            var args = ["qdisc", rate == nil ? "del" : "replace", "dev", c.dev, "root"]
            if let rate { args += ["tbf", "rate", rate, "burst", burst, "latency", latency] }
            let r = c.ns.map { Testbed.exec(Testbed.ipPath!, ["netns", "exec", $0, Testbed.tcPath!] + args) }
                ?? Testbed.exec(Testbed.tcPath!, args)
            if r.status != 0 && rate != nil { throw Failure("tc \(args.joined(separator: " ")) failed: \(r.stderr)") }
        }
    }

    /// Sets the host's link down (`up: false`: the host vanishes from the network; connections
    /// hang until their timeouts) or up again.
    func setLink(_ host: Host, up: Bool) throws {
        let r = Testbed.exec(Testbed.ipPath!, ["link", "set", host.rootLink, up ? "up" : "down"])
        if r.status != 0 { throw Failure("ip link set \(host.rootLink) failed: \(r.stderr)") }
    }

    /// Gives the host a second address — the one a cloud API reported for a VM (its "public IP")
    /// — on its interface, routed from the test's own namespace over the bridge (so traffic to
    /// it stays on this machine), with sshd listening on it too. The route goes with the bridge
    /// at teardown.
    func addAddress(_ host: Host, _ address: String) throws {
        let current = self[host.name]
        for args in [["-n", current.namespace, "addr", "add", "\(address)/32", "dev", current.interface],
                     ["route", "replace", "\(address)/32", "dev", bridge, "src", bridgeAddress]] {
            let r = Testbed.exec(Testbed.ipPath!, args)
            if r.status != 0 { throw Failure("ip \(args.joined(separator: " ")) failed: \(r.stderr)") }
        }
        // The reply must come back through the bridge too (the host's own /24 covers the bridge address).
        let route = Testbed.exec(Testbed.ipPath!, ["route", "get", address])
        guard route.status == 0, route.stdout.contains("dev \(bridge)") else {
            throw Failure("\(address) is not routed to the testbed's bridge (\(route.stdout)\(route.stderr)); refusing to send traffic there")
        }
        try Testbed.sshdConfig(host: current, listen: [current.address, address], ports: [current.port],
                               authorizedKeys: root.appendingPathComponent("authorized_keys"))
            .write(to: current.configPath, atomically: true, encoding: .utf8)
        try restartSSHD(current)
    }

    /// Lets `host` reach an address another host was given with `addAddress` (VMs of one cloud
    /// reaching each other's public addresses): on-link across the bridge, from the host's own
    /// address, so neither the root namespace nor anything beyond the bridge forwards it.
    func route(from host: Host, to address: String) throws {
        let current = self[host.name]
        let args = ["-n", current.namespace, "route", "replace", "\(address)/32", "dev", current.interface, "src", current.address]
        let r = Testbed.exec(Testbed.ipPath!, args)
        if r.status != 0 { throw Failure("ip \(args.joined(separator: " ")) failed: \(r.stderr)") }
    }

    /// Lets a key log in to every host (as a cloud's key pair import does for a new VM).
    func authorize(publicKey: String) throws {
        let file = root.appendingPathComponent("authorized_keys")
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data((publicKey.trimmingCharacters(in: .whitespacesAndNewlines) + "\n").utf8))
    }

    /// Makes the bridge address (the root namespace: the test's own processes) unreachable from
    /// the host, while other hosts still reach it: for jump-host tests (root → bastion → host).
    /// Traffic root → host then gets no answer. `false` restores.
    func cutOffFromRoot(_ host: Host, _ cut: Bool = true) throws {
        let r = Testbed.exec(Testbed.ipPath!, ["-n", host.namespace, "route", cut ? "add" : "del", "prohibit", "\(bridgeAddress)/32"])
        if r.status != 0 { throw Failure("ip route \(cut ? "add" : "del") prohibit in \(host.name) failed: \(r.stderr)") }
    }

    /// `SHA256:…` of the host key sshd serves (what ssh prints on a mismatch).
    func hostKeyFingerprint(_ host: Host) -> String {
        let r = Testbed.exec(Testbed.sshKeygenPath!, ["-lf", self[host.name].hostKeyPath.path + ".pub"])
        return r.stdout.split(separator: " ").dropFirst().first.map(String.init) ?? ""
    }

    // MARK: Hosts' files

    /// Writes `contents` at `relativePath` inside the host's directory (its "disk"); returns the
    /// path as the host sees it (`/root/<relativePath>`) — and, on this machine, `directory/…`.
    @discardableResult
    func place(_ contents: Data, at relativePath: String, on host: Host) throws -> (remotePath: String, localURL: URL) {
        let url = host.directory.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url)
        return ("/root/" + relativePath, url)
    }

    /// Every regular file below `directory` (a host's tree, a state directory) whose bytes contain
    /// `needle` — for "this hospital's data never left its hosts". Files over `maxBytes` are
    /// reported as skipped rather than read.
    static func files(containing needle: Data, under directory: URL, maxBytes: Int = 512 << 20) -> (hits: [URL], skipped: [URL]) {
        var hits: [URL] = [], skipped: [URL] = []
        let e = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey])
        while let f = e?.nextObject() as? URL {
            let v = try? f.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard v?.isRegularFile == true else { continue }
            if (v?.fileSize ?? 0) > maxBytes { skipped.append(f); continue }
            if let d = try? Data(contentsOf: f, options: .mappedIfSafe), d.range(of: needle) != nil { hits.append(f) }
        }
        return (hits, skipped)
    }

    /// `files(containing:under:)` over every host except `except` (names).
    func filesContaining(_ needle: Data, outside except: Set<String>) -> [URL] {
        hosts.filter { !except.contains($0.name) }.flatMap { Testbed.files(containing: needle, under: $0.directory).hits }
    }

    // MARK: Internals

    private func startSSHDCommand(_ h: Host, home: URL, hostname: String) -> String {
        // ip netns exec gives a private (slave) mount namespace: the binds stay inside it.
        let inner = "hostname \"$1\" && mount --bind \"$2\" /root && mount --bind \"$2/tmp\" /tmp && exec \(Testbed.sshdPath) -f \"$3\" -E \"$4\""
        return "ip netns exec \(h.namespace) \(q(Testbed.unsharePath!)) --uts /bin/sh -c \(q(inner)) sh \(q(hostname)) \(q(home.path)) \(q(h.configPath.path)) \(q(h.logPath.path))"
    }

    private static func sshdConfig(host: Host, listen: [String], ports: [Int], authorizedKeys: URL) -> String {
        var lines = ports.map { "Port \($0)" }
        lines += listen.map { "ListenAddress \($0)" }
        lines += [
            "HostKey \(host.hostKeyPath.path)",
            "PidFile \(host.pidFile.path)",
            "AuthorizedKeysFile \(authorizedKeys.path)",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "StrictModes no",
            "UsePAM no",
            "UseDNS no",
            "PrintMotd no",
            "PrintLastLog no",
            "X11Forwarding no",
            "AllowTcpForwarding yes",
            "MaxStartups 500",
            "MaxSessions 500",
            "LogLevel VERBOSE",
            "Subsystem sftp internal-sftp",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func writeKnownHosts() throws {
        let text = hosts.map(\.knownHostsLine).joined(separator: "\n") + "\n"
        try text.write(to: knownHostsPath, atomically: true, encoding: .utf8)
    }

    private func writeSSHConfig() throws {
        var text = ""
        for h in hosts {
            text += """
            Host \(h.name)
              HostName \(h.address)
              Port \(h.port)
              User \(h.user)
              IdentityFile \(userKeyPath.path)
              IdentitiesOnly yes
              UserKnownHostsFile \(knownHostsPath.path)
              GlobalKnownHostsFile /dev/null
              StrictHostKeyChecking yes
              BatchMode yes

            """
        }
        try text.write(to: sshConfigPath, atomically: true, encoding: .utf8)
    }

    private func logTail(_ h: Host) -> String {
        let text = (try? String(contentsOf: h.logPath, encoding: .utf8)) ?? "(no log)"
        return "\n--- sshd log of \(h.name) (\(h.logPath.path)):\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }

    private func waitUntilAccepting(_ targets: [(Host, Int)], timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var pending = targets
        while !pending.isEmpty {
            pending = pending.filter { !Testbed.tcpAccepts($0.0.address, port: $0.1, timeoutMs: 300) }
            if pending.isEmpty { break }
            if Date() > deadline {
                throw Failure("sshd of \(pending.map { "\($0.0.name) (\($0.0.address):\($0.1))" }.joined(separator: ", ")) did not accept connections within \(Int(timeout)) s"
                              + pending.prefix(3).map { logTail($0.0) }.joined())
            }
            usleep(20_000)
        }
    }

    private static let scriptHeader = """
    set -eu
    export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
    trap 'echo "failed: $BASH_COMMAND (line $LINENO)" >&2' ERR

    """

    private static func publicLine(_ key: URL) throws -> String {
        let text = try String(contentsOf: URL(fileURLWithPath: key.path + ".pub"), encoding: .utf8)
        return text.split(separator: " ").prefix(2).joined(separator: " ")
    }

    static func findExecutable(_ name: String) -> String? {
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"] {
            let p = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Runs a program and waits (killed after `timeout` s). stdin comes from a temporary file.
    static func exec(_ executable: String, _ args: [String], stdin: Data? = nil, timeout: Double = 60) -> RunResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin:" + (env["PATH"] ?? "")
        env["LC_ALL"] = "C"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        var stdinFile: URL?
        if let stdin {
            let f = FileManager.default.temporaryDirectory.appendingPathComponent("fpbed-stdin-\(UUID().uuidString)")
            FileManager.default.createFile(atPath: f.path, contents: stdin)
            stdinFile = f
            p.standardInput = FileHandle(forReadingAtPath: f.path)
        } else {
            p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        }
        defer { if let stdinFile { try? FileManager.default.removeItem(at: stdinFile) } }
        let start = Date()
        do { try p.run() } catch {
            return RunResult(status: 127, stdout: "", stderr: "cannot run \(executable): \(error)", stdoutData: Data(), seconds: 0, timedOut: false)
        }
        let timedOut = Flag()
        let item = DispatchWorkItem {
            if p.isRunning { timedOut.set(); kill(p.processIdentifier, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: item)
        defer { item.cancel() }
        let group = DispatchGroup()
        let outBox = Box()
        group.enter()
        DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return RunResult(status: p.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self), stdoutData: outBox.data,
                         seconds: Date().timeIntervalSince(start), timedOut: timedOut.value)
    }

    private final class Box: @unchecked Sendable { var data = Data() }
    private final class Flag: @unchecked Sendable {
        private let l = NSLock(); private var v = false
        func set() { l.withLock { v = true } }
        var value: Bool { l.withLock { v } }
    }

    static func tcpAccepts(_ address: String, port: Int, timeoutMs: Int32) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, address, &sa.sin_addr) == 1 else { return false }
        let rc = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&pfd, 1, timeoutMs) == 1 else { return false }
        var soErr: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soErr, &len)
        return soErr == 0
    }

    // MARK: Processes and namespaces (read from /proc: works across mount namespaces)

    static func readPid(_ file: URL) -> pid_t? {
        guard let t = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return pid_t(t.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Alive and not a zombie.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0, let data = readProcFile("/proc/\(pid)/stat") else { return false }
        let stat = String(decoding: data, as: UTF8.self)
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// A /proc file's bytes (they report size 0, so read to EOF with read(2)).
    static func readProcFile(_ path: String) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out = Data()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    static func waitDead(_ pid: pid_t, timeout: Double = 3) {
        let deadline = Date().addingTimeInterval(timeout)
        while isAlive(pid) && Date() < deadline { usleep(5_000) }
    }

    private static func allPids() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
    }

    private static func netNamespace(ofPid pid: pid_t) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
    }

    /// Pids whose command line contains `needle` (sshd keeps its config path in its title).
    static func pids(mentioning needle: String) -> [pid_t] {
        let me = getpid()
        return allPids().filter { pid in
            guard pid != me, let d = readProcFile("/proc/\(pid)/cmdline") else { return false }
            let cmd = String(decoding: d.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains(needle) && isAlive(pid)
        }
    }

    /// Kills (SIGKILL) every process whose network namespace is `ns` — never the test's own.
    private static func killProcesses(inNetNamespace ns: String) {
        let me = getpid()
        guard let own = netNamespace(ofPid: me), ns != own, ns.hasPrefix("net:[") else { return }
        var killed: [pid_t] = []
        for pid in allPids() where pid > 1 && pid != me && netNamespace(ofPid: pid) == ns {
            kill(pid, SIGKILL)
            killed.append(pid)
        }
        for pid in killed { waitDead(pid, timeout: 1) }
    }

    /// The namespace of `/run/netns/<name>` as `net:[inode]`, if it is mounted in this mount
    /// namespace (an `ip netns` name made in another mount namespace is only an empty file here).
    private static func netNamespace(named name: String) -> String? {
        var st = stat(), nsfs = stat()
        guard stat("/run/netns/\(name)", &st) == 0, stat("/proc/self/ns/net", &nsfs) == 0, st.st_dev == nsfs.st_dev else { return nil }
        return "net:[\(st.st_ino)]"
    }

    /// Processes in the host's network namespace whose command line mentions `needle`.
    static func processesOf(namespace name: String, matching needle: String) -> [pid_t] {
        guard let ns = netNamespace(named: name) else { return [] }
        return allPids().filter { pid in
            guard netNamespace(ofPid: pid) == ns, let d = readProcFile("/proc/\(pid)/cmdline") else { return false }
            return String(decoding: d.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(needle) && isAlive(pid)
        }
    }

    static func killProcesses(inNamespaceNamed name: String) {
        if let ns = netNamespace(named: name) { killProcesses(inNetNamespace: ns) }
    }

    /// Kills the processes whose command line mentions `needle` and everything sharing their
    /// network namespace (a dead run's sshd, its sessions, what they started).
    static func killProcesses(mentioning needle: String) {
        let found = pids(mentioning: needle)
        let namespaces = Set(found.compactMap { netNamespace(ofPid: $0) })
        for pid in found { kill(pid, SIGKILL) }
        for ns in namespaces { killProcesses(inNetNamespace: ns) }
    }

    static func namespaceNames() -> [String] {
        let r = exec(ipPath ?? "/usr/sbin/ip", ["netns", "list"])
        return r.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    static func linkNames() -> [String] {
        let r = exec(ipPath ?? "/usr/sbin/ip", ["-o", "link", "show"])
        return r.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2)
            guard parts.count >= 2 else { return nil }
            return String(parts[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first ?? "")
        }
    }

    // MARK: Leftovers of dead runs

    static let namePrefix = "fpb"
    static let dirPrefix = "fpbed-"

    /// `(pid, counter)` of a testbed name `fpb<pid36>-<k36>[-<i36>]` or directory `fpbed-<pid36>-<k36>`.
    static func owner(of name: String, prefix: String) -> (pid: Int, counter: Int)? {
        guard name.hasPrefix(prefix) else { return nil }
        let parts = name.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
        let base36 = Set("0123456789abcdefghijklmnopqrstuvwxyz")
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(base36.contains) }), let pid = Int(parts[0], radix: 36), let k = Int(parts[1], radix: 36) else { return nil }
        return (pid, k)
    }

    private static func isStale(_ o: (pid: Int, counter: Int)) -> Bool {
        if o.pid == Int(getpid()) { return !registry.contains(o.counter) }
        return kill(pid_t(o.pid), 0) != 0 && errno == ESRCH
    }

    /// Deletes what testbeds of dead processes left (namespaces, their processes, links, files),
    /// and this process's own names no live testbed owns (a recycled pid).
    static func sweepLeftovers() {
        var staleTags = Set<String>()
        var batch: [String] = []
        for ns in namespaceNames() {
            guard let o = owner(of: ns, prefix: namePrefix), isStale(o) else { continue }
            killProcesses(inNamespaceNamed: ns)
            staleTags.insert("\(String(o.pid, radix: 36))-\(String(o.counter, radix: 36))")
            batch.append("netns del \(ns)")
        }
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: "/var/tmp")) ?? []
        for d in dirs {
            guard let o = owner(of: d, prefix: dirPrefix), isStale(o) else { continue }
            staleTags.insert("\(String(o.pid, radix: 36))-\(String(o.counter, radix: 36))")
        }
        for tag in staleTags { killProcesses(mentioning: "/\(dirPrefix)\(tag)/") }
        for link in linkNames() {
            guard let o = owner(of: link, prefix: namePrefix), isStale(o) else { continue }
            batch.append("link del \(link)")
        }
        if !batch.isEmpty {
            _ = exec(ipPath ?? "/usr/sbin/ip", ["-force", "-batch", "-"], stdin: Data((batch.joined(separator: "\n") + "\n").utf8))
        }
        for d in dirs {
            guard let o = owner(of: d, prefix: dirPrefix), isStale(o) else { continue }
            try? FileManager.default.removeItem(atPath: "/var/tmp/" + d)
        }
    }

    // MARK: Subnet choice (machine-wide)

    private static let machineLockPath = "/run/fedplane-testbed.lock"

    private static func lockMachine() throws -> Int32 {
        let fd = open(machineLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("cannot open \(machineLockPath): errno \(errno)") }
        while flock(fd, LOCK_EX) != 0 { if errno != EINTR { close(fd); throw Failure("flock \(machineLockPath): errno \(errno)") } }
        return fd
    }

    private static func unlockMachine(_ fd: Int32) {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// An IPv4 prefix as (network, length).
    private static func parsePrefix(_ s: Substring) -> (UInt32, Int)? {
        let parts = s.split(separator: "/")
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        let len = parts.count > 1 ? Int(parts[1]) ?? 32 : 32
        let addr = octets.reduce(0) { $0 << 8 | $1 }
        return (addr, len)
    }

    private static func overlaps(_ a: (UInt32, Int), _ b: (UInt32, Int)) -> Bool {
        let len = min(a.1, b.1)
        let mask: UInt32 = len == 0 ? 0 : ~UInt32(0) << UInt32(32 - len)
        return a.0 & mask == b.0 & mask
    }

    /// The first `j` with `10.77.j.0/24` touching no address or route of the machine (the
    /// default route aside). Called under the machine lock.
    private static func freeSubnet() throws -> Int? {
        var used: [(UInt32, Int)] = []
        let addrs = exec(ipPath!, ["-4", "-o", "addr", "show"])
        for line in addrs.stdout.split(separator: "\n") {
            let t = line.split(separator: " ", omittingEmptySubsequences: true)
            if let i = t.firstIndex(of: "inet"), i + 1 < t.count, let p = parsePrefix(t[i + 1]) { used.append(p) }
        }
        let routes = exec(ipPath!, ["-4", "route", "show", "table", "all"])
        let types: Set<Substring> = ["local", "broadcast", "unicast", "unreachable", "blackhole", "prohibit", "throw", "multicast", "anycast", "nat"]
        for line in routes.stdout.split(separator: "\n") {
            var t = line.split(separator: " ")
            if let f = t.first, types.contains(f) { t.removeFirst() }
            guard let f = t.first, f != "default", let p = parsePrefix(f) else { continue }
            if p.1 == 0 { continue }
            used.append(p)
        }
        for j in 0..<256 {
            let cand = (UInt32(10) << 24 | UInt32(77) << 16 | UInt32(j) << 8, 24)
            if !used.contains(where: { overlaps($0, cand) }) { return j }
        }
        return nil
    }

    // MARK: Live testbeds of this process

    final class Registry: @unchecked Sendable {
        private let l = NSLock()
        private var n = 0
        private var live = Set<Int>()
        func next() -> Int { l.withLock { n += 1; return n } }
        func add(_ k: Int) { _ = l.withLock { live.insert(k) } }
        func remove(_ k: Int) { _ = l.withLock { live.remove(k) } }
        func contains(_ k: Int) -> Bool { l.withLock { live.contains(k) } }
    }

    static let registry = Registry()
}

/// Single-quotes a string for bash.
private func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
