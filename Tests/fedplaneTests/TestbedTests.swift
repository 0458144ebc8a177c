import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import FedTestSupport
#endif

/// The multi-host testbed itself (Support/Testbed.swift): real namespaces, real sshds, real ssh.
/// These fail — never skip — on a machine that cannot build it (CI installs what it needs).
@Suite(.serialized)
struct TestbedTests {
    struct Boom: Error {}

    @Test func machineCanBuildATestbed() {
        let (ok, why) = Testbed.isAvailable
        #expect(ok, "\(why)")
    }

    @Test func threeHostsAnswerOverSSHAndReachEachOther() async throws { try await offPool { try Self().threeHostsAnswerOverSSHAndReachEachOtherBody() } }
    func threeHostsAnswerOverSSHAndReachEachOtherBody() throws {
        try Testbed.withTestbed(["a", "b", "c"]) { bed in
            print("testbed: 3 hosts up in \(String(format: "%.2f", bed.bringUpSeconds)) s on \(bed.subnet).0/24")
            #expect(bed.bridgeAddress == bed.subnet + ".1")
            #expect(Set(bed.hosts.map(\.address)).count == 3)
            for h in bed.hosts {
                let r = bed.run(h, "hostname; nproc; pwd; cat /proc/meminfo; echo here > marker-\(h.name)")
                #expect(r.status == 0, "ssh \(h.name): \(r.stderr)")
                let lines = r.stdout.split(separator: "\n").map(String.init)
                #expect(lines.first == h.name, "host \(h.name) answered hostname \(lines.first ?? "nothing")")
                #expect(lines.count > 2 && Int(lines[1]).map { $0 >= 1 } == true, "nproc: \(r.stdout.prefix(80))")
                #expect(lines.count > 2 && lines[2] == "/root", "a session starts in root's home: \(r.stdout.prefix(80))")
                #expect(r.stdout.contains("MemTotal:"))
                // The session's home is the host's directory, and only that host's.
                let marker = h.directory.appendingPathComponent("marker-\(h.name)")
                #expect(FileManager.default.fileExists(atPath: marker.path), "~ of \(h.name) is not \(h.directory.path)")
                for other in bed.hosts where other.name != h.name {
                    #expect(!FileManager.default.fileExists(atPath: other.directory.appendingPathComponent("marker-\(h.name)").path))
                }
                #expect(h.knownHostsLine.hasPrefix(h.address + " ssh-ed25519 "))
                #expect(bed.sshdPid(h) != nil)
            }
            let known = try String(contentsOf: bed.knownHostsPath, encoding: .utf8)
            #expect(known.split(separator: "\n").count == 3)
            let perms = try FileManager.default.attributesOfItem(atPath: bed.userKeyPath.path)[.posixPermissions] as? Int
            #expect(perms == 0o600)

            // Host a reaches host b over the bridge, with the same key and known_hosts.
            let ab = bed.run(bed["b"], "hostname", from: bed["a"])
            #expect(ab.status == 0, "a → b: \(ab.stderr)")
            #expect(ab.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "b")

            // The generated ssh_config names hosts.
            let viaConfig = Testbed.exec(Testbed.sshPath!, ["-F", bed.sshConfigPath.path, "c", "hostname"])
            #expect(viaConfig.status == 0 && viaConfig.stdout.hasPrefix("c"), "ssh -F ssh_config c: \(viaConfig.stderr)")

            // /tmp is the host's own.
            #expect(bed.run(bed["a"], "echo x > /tmp/only-a").status == 0)
            #expect(FileManager.default.fileExists(atPath: bed["a"].directory.appendingPathComponent("tmp/only-a").path))
            #expect(bed.run(bed["b"], "test ! -e /tmp/only-a").status == 0)
        }
    }

    @Test func aChangedHostKeyIsRefusedByStrictChecking() async throws { try await offPool { try Self().aChangedHostKeyIsRefusedByStrictCheckingBody() } }
    func aChangedHostKeyIsRefusedByStrictCheckingBody() throws {
        try Testbed.withTestbed(["a", "b"]) { bed in
            #expect(bed.run(bed["b"], "true").status == 0)
            let old = bed["b"].hostKeyPublicLine
            let b = try bed.regenerateHostKey(bed["b"])
            #expect(b.hostKeyPublicLine != old)
            let fingerprint = bed.hostKeyFingerprint(b)
            #expect(fingerprint.hasPrefix("SHA256:"))
            let r = bed.run(b, "touch /root/should-not-exist")
            #expect(r.status == 255)
            #expect(r.stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || r.stderr.contains("Host key verification failed"),
                    "stderr: \(r.stderr)")
            #expect(r.stderr.contains(fingerprint), "ssh names the new key's fingerprint: \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: b.directory.appendingPathComponent("should-not-exist").path))
            #expect(bed.run(bed["a"], "true").status == 0, "a is unaffected")
        }
    }

    @Test func aKilledSSHDRefusesConnectionsQuickly() async throws { try await offPool { try Self().aKilledSSHDRefusesConnectionsQuicklyBody() } }
    func aKilledSSHDRefusesConnectionsQuicklyBody() throws {
        try Testbed.withTestbed(["a", "b"]) { bed in
            let b = bed["b"]
            #expect(bed.run(b, "true").status == 0)
            bed.killSSHD(b)
            #expect(bed.sshdPid(b) == nil)
            let r = bed.run(b, "true", timeout: 20)
            #expect(r.status == 255)
            #expect(r.stderr.contains("Connection refused"), "stderr: \(r.stderr)")
            #expect(r.seconds < 3, "refused after \(r.seconds) s")
            #expect(bed.run(bed["a"], "true").status == 0)
            try bed.restartSSHD(b)
            #expect(bed.run(b, "true").status == 0, "b serves again after restart")
        }
    }

    /// What "a host goes down" means for a multiplexed connection, a cut link, and a host only
    /// reachable through a jump host.
    @Test func hostsGoDownAndHideBehindAJumpHost() async throws { try await offPool { try Self().hostsGoDownAndHideBehindAJumpHostBody() } }
    func hostsGoDownAndHideBehindAJumpHostBody() throws {
        try Testbed.withTestbed(["a", "b", "c"]) { bed in
            let b = bed["b"]
            let control = bed.root.appendingPathComponent("cm-b").path
            let master = Testbed.exec(Testbed.sshPath!, bed.sshOptions + ["-o", "ControlMaster=yes", "-o", "ControlPath=\(control)",
                                                                        "-o", "ControlPersist=30", "-f", "-N", "-p", "22", b.destination])
            #expect(master.status == 0, "control master: \(master.stderr)")
            let viaMaster = { Testbed.exec(Testbed.sshPath!, bed.sshOptions + ["-o", "ControlPath=\(control)", "-p", "22", b.destination, "hostname"], timeout: 10) }
            #expect(viaMaster().stdout.hasPrefix("b"))
            // Killing only the listener leaves the multiplexed connection working ...
            bed.killSSHD(b)
            #expect(viaMaster().status == 0, "a master connection outlives the listener")
            #expect(bed.run(b, "true").status == 255)
            // ... killing every process of the host ends it.
            bed.killAllProcesses(b)
            let dead = viaMaster()
            #expect(dead.status != 0, "the master connection survived the host: \(dead.stdout)")
            try bed.restartSSHD(b)
            #expect(bed.run(b, "true").status == 0)

            // A link down: connecting times out instead of being refused.
            try bed.setLink(b, up: false)
            let down = Testbed.exec(Testbed.sshPath!, ["-o", "ConnectTimeout=1"] + bed.sshOptions + ["-p", "22", b.destination, "true"], timeout: 20)
            #expect(down.status == 255 && down.stderr.contains("timed out"), "\(down.stderr)")
            try bed.setLink(b, up: true)
            #expect(bed.run(b, "true", timeout: 20).status == 0)

            // c cut off from the root namespace: reachable only through a (ProxyJump).
            let c = bed["c"]
            try bed.cutOffFromRoot(c)
            let direct = Testbed.exec(Testbed.sshPath!, ["-o", "ConnectTimeout=1"] + bed.sshOptions + ["-p", "22", c.destination, "true"], timeout: 20)
            #expect(direct.status == 255, "root reached c directly: \(direct.stderr)")
            let jumped = Testbed.exec(Testbed.sshPath!, ["-F", bed.sshConfigPath.path, "-J", "a", "c", "hostname"], timeout: 20)
            #expect(jumped.status == 0 && jumped.stdout.hasPrefix("c"), "ssh -J a c: \(jumped.stderr)")
            try bed.cutOffFromRoot(c, false)
            #expect(bed.run(c, "true").status == 0)
        }
    }

    @Test func aHostsDataIsFoundOnlyWhereItWasPlaced() async throws { try await offPool { try Self().aHostsDataIsFoundOnlyWhereItWasPlacedBody() } }
    func aHostsDataIsFoundOnlyWhereItWasPlacedBody() throws {
        try Testbed.withTestbed(["a", "b"]) { bed in
            let secret = Data("patient-7731,malignant,0.91\n".utf8)
            let placed = try bed.place(secret, at: "data/train.csv", on: bed["a"])
            #expect(placed.remotePath == "/root/data/train.csv")
            #expect(bed.run(bed["a"], "cat data/train.csv").stdoutData == secret)
            #expect(bed.run(bed["b"], "test ! -e data/train.csv").status == 0)
            #expect(bed.filesContaining(secret, outside: ["a"]).isEmpty)
            // A copy to b is caught.
            #expect(bed.run(bed["b"], "mkdir -p x && cat > x/leak", stdin: secret).status == 0)
            #expect(bed.filesContaining(secret, outside: ["a"]).map(\.lastPathComponent) == ["leak"])
        }
    }

    /// Measures throughput on the far side (from the remote shell's start to EOF of stdin).
    private func mbitPerSecond(_ bed: Testbed, _ h: Testbed.Host, bytes: Int) -> Double? {
        let r = bed.run(h, "s=$(date +%s%N); cat >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 ))",
                        stdin: Data(count: bytes), timeout: 60)
        guard r.status == 0, let micros = Double(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), micros > 0 else {
            Issue.record("transfer to \(h.name) failed: \(r.status) \(r.stderr)")
            return nil
        }
        return Double(bytes) * 8 / micros
    }

    @Test func aTokenBucketLimitsAHostsBandwidth() async throws { try await offPool { try Self().aTokenBucketLimitsAHostsBandwidthBody() } }
    func aTokenBucketLimitsAHostsBandwidthBody() throws {
        try Testbed.withTestbed(["a", "b"]) { bed in
            let bytes = 5_000_000
            guard let free = mbitPerSecond(bed, bed["a"], bytes: bytes) else { return }
            // A limit far below what ssh manages even on a loaded machine (40 Mbit/s and more),
            // so the comparison holds whatever else the cores are doing.
            try bed.limitBandwidth(bed["a"], rate: "4mbit")
            guard let limited = mbitPerSecond(bed, bed["a"], bytes: 2_000_000) else { return }
            guard let other = mbitPerSecond(bed, bed["b"], bytes: bytes) else { return }
            print("testbed: to a: unlimited \(Int(free)) Mbit/s, limited to 4mbit \(String(format: "%.1f", limited)) Mbit/s; b \(Int(other)) Mbit/s")
            #expect(limited < 5, "limited to 4mbit but measured \(limited) Mbit/s")
            #expect(limited > 1, "4mbit limit measured only \(limited) Mbit/s")
            #expect(free > 2 * limited, "unlimited \(free) Mbit/s vs limited \(limited)")
            #expect(other > 2 * limited, "b is not limited: \(other) Mbit/s")
            try bed.limitBandwidth(bed["a"], rate: nil)
        }
    }

    @Test func teardownLeavesNothingEvenWhenTheBodyThrows() async throws { try await offPool { try Self().teardownLeavesNothingEvenWhenTheBodyThrowsBody() } }
    func teardownLeavesNothingEvenWhenTheBodyThrowsBody() throws {
        nonisolated(unsafe) var seen: Testbed?
        nonisolated(unsafe) var pids: [pid_t] = []
        #expect(throws: Boom.self) {
            try Testbed.withTestbed(["a", "b"]) { bed in
                seen = bed
                pids = bed.hosts.compactMap { bed.sshdPid($0) }
                _ = bed.run(bed["a"], "sleep 300 </dev/null >/dev/null 2>&1 &")
                throw Boom()
            }
        }
        let bed = try #require(seen)
        #expect(pids.count == 2)
        #expect(bed.leftovers().isEmpty, "left behind: \(bed.leftovers())")
        for pid in pids { #expect(!Testbed.isAlive(pid), "sshd \(pid) survived teardown") }
        #expect(!Testbed.namespaceNames().contains { $0.hasPrefix(bed.prefix + "-") })
        #expect(!Testbed.linkNames().contains(bed.bridge))
        #expect(!FileManager.default.fileExists(atPath: bed.root.path))

        // And on the normal path.
        let (prefix, bridge, root) = try Testbed.withTestbed(["x"]) { b in
            #expect(b.run(b["x"], "true").status == 0)
            return (b.prefix, b.bridge, b.root)
        }
        #expect(!Testbed.namespaceNames().contains { $0.hasPrefix(prefix + "-") })
        #expect(!Testbed.linkNames().contains(bridge))
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }

    /// A test process killed with SIGKILL leaves namespaces, links, files and daemons behind:
    /// the next testbed deletes those whose pid is dead.
    @Test func leftoversOfADeadProcessAreSwept() async throws { try await offPool { try Self().leftoversOfADeadProcessAreSweptBody() } }
    func leftoversOfADeadProcessAreSweptBody() throws {
        // A pid that just died.
        let dead = Testbed.exec("/bin/sh", ["-c", "echo $$"])
        let pid = try #require(Int(dead.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid_t(pid), 0) != 0)
        let tag = String(pid, radix: 36) + "-1"
        let ns = Testbed.namePrefix + tag + "-0", bridge = Testbed.namePrefix + tag
        let dir = "/var/tmp/" + Testbed.dirPrefix + tag
        let setup = """
        set -e
        ip netns add \(ns)
        ip link add \(bridge) type bridge
        ip link add \(ns) type veth peer name eth0 netns \(ns)
        ip link set \(ns) master \(bridge)
        mkdir -p \(dir)/sshd
        # Close every inherited descriptor (our stdout pipe may hide under another number).
        for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true; done
        setsid ip netns exec \(ns) /bin/sh -c 'sleep 300; :' \(dir)/sshd/config </dev/null >/dev/null 2>&1 &
        """
        let r = Testbed.exec("/bin/bash", ["-c", setup])
        #expect(r.status == 0, "\(r.stderr)")
        var daemon: [pid_t] = []
        for _ in 0..<100 where daemon.isEmpty {
            daemon = Testbed.pids(mentioning: dir + "/")
            usleep(20_000)
        }
        #expect(!daemon.isEmpty, "the dead run's daemon did not start")

        try Testbed.withTestbed(["fresh"]) { bed in
            #expect(bed.run(bed["fresh"], "true").status == 0)
        }
        #expect(!Testbed.namespaceNames().contains(ns))
        #expect(!Testbed.linkNames().contains(bridge))
        #expect(!Testbed.linkNames().contains(ns))
        #expect(!FileManager.default.fileExists(atPath: dir))
        for p in daemon { #expect(!Testbed.isAlive(p), "the dead run's process \(p) survived the sweep") }
        // Belt and braces if the sweep failed.
        _ = Testbed.exec("/bin/bash", ["-c", "ip netns del \(ns); ip link del \(bridge); rm -rf \(dir)"])
        for p in daemon { kill(p, SIGKILL) }
    }

    /// Two testbeds at once get different subnets and names, and each reaches only its own.
    @Test func concurrentTestbedsDoNotCollide() async throws { try await offPool { try Self().concurrentTestbedsDoNotCollideBody() } }
    func concurrentTestbedsDoNotCollideBody() throws {
        try Testbed.withTestbed(["a"]) { one in
            try Testbed.withTestbed(["a"]) { two in
                #expect(one.subnet != two.subnet)
                #expect(one.prefix != two.prefix)
                #expect(one.run(one["a"], "true").status == 0)
                #expect(two.run(two["a"], "true").status == 0)
            }
            #expect(one.run(one["a"], "true").status == 0, "the first survives the second's teardown")
        }
    }

    /// Many hosts: one namespace with an address per host and one sshd (the probe benchmark's
    /// shape). Set FEDPLANE_TESTBED_SCALE=N to also bring up N hosts with a namespace and sshd each.
    @Test func manyHostsShareOneSSHD() async throws { try await offPool { try Self().manyHostsShareOneSSHDBody() } }
    func manyHostsShareOneSSHDBody() throws {
        try Testbed.withTestbed(Testbed.HostSpec.numbered(100), layout: .sharedNamespace) { bed in
            print("testbed: 100 hosts (shared namespace, one sshd) up in \(String(format: "%.2f", bed.bringUpSeconds)) s")
            #expect(bed.hosts.count == 100)
            for h in [bed.hosts[0], bed.hosts[57], bed.hosts[99]] {
                let r = bed.run(h, "echo $SSH_CONNECTION")
                #expect(r.status == 0, "\(h.name): \(r.stderr)")
                #expect(r.stdout.contains(" \(h.address) 22"), "\(r.stdout)")
            }
        }
        if let n = ProcessInfo.processInfo.environment["FEDPLANE_TESTBED_SCALE"].flatMap(Int.init), n > 0 {
            try Testbed.withTestbed(Testbed.HostSpec.numbered(n)) { bed in
                print("testbed: \(n) hosts (namespace + sshd each) up in \(String(format: "%.2f", bed.bringUpSeconds)) s")
                let start = Date()
                for h in bed.hosts { #expect(bed.run(h, "true").status == 0, "\(h.name)") }
                print("testbed: \(n) sequential ssh logins (no multiplexing) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
            }
        }
    }
}
