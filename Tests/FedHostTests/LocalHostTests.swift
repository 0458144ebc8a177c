import FedHost
import Foundation
import Testing

/// The host operations, run by the local shell: the same scripts the SSH host sends.
@Suite struct LocalHostTests {
    let host = LocalHost()

    func scratch() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("fedhost-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func quotingSurvivesTheShell() throws {
        let nasty = ["plain", "with space", "it's", "$(touch /tmp/pwned-fedhost)", "a\"b", "back\\slash", "", "new\nline", "*"]
        let out = try host.run("printf '%s|' " + Shell.command(nasty), "echo")
        #expect(out == nasty.joined(separator: "|") + "|")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned-fedhost"))
    }

    @Test func putWritesWholeFilesWithTheirMode() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("sub/dir/key.pem").path
        try host.put(Data("secret-ish\n".utf8), to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "secret-ish\n")
        let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: target + ".part"))
        let exe = dir.appendingPathComponent("bin/tool").path
        try host.put(Data("#!/bin/sh\necho hi\n".utf8), to: exe, mode: "755")
        #expect(try host.run(Shell.quote(exe), "run") == "hi\n")
    }

    @Test func factsDescribeThisMachine() throws {
        let f = try host.facts(directory: "/tmp/does/not/exist/yet")
        #expect(f.vcpu == ProcessInfo.processInfo.activeProcessorCount)
        let mem = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        #expect(abs(f.memoryGiB - mem) < 0.1)
        #expect(f.freeDiskGiB > 0)
        #expect(f.system.hasPrefix("Linux"))
    }

    @Test func runToEndReportsTheStatusAndTimesOutAsAGroup() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try host.runToEnd(["sh", "-c", "echo out; exit 3"], in: dir.path, log: "task.log", pidFile: "task.pid", timeout: 10) == 3)
        #expect(try String(contentsOf: dir.appendingPathComponent("task.log"), encoding: .utf8) == "out\n")
        // A task that outlives its timeout is stopped with everything it started.
        let marker = "fedhost-sleeper-\(UUID().uuidString.prefix(6))"
        let status = try host.runToEnd(["sh", "-c", "sleep 300 & sleep 301; echo \(marker)"], in: dir.path, log: "slow.log", pidFile: "slow.pid", timeout: 1)
        #expect(status == nil)
        let pgid = try String(contentsOf: dir.appendingPathComponent("slow.pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var alive = true
        for _ in 0..<50 where alive {
            alive = kill(-(pid_t(pgid) ?? 0), 0) == 0
            if alive { usleep(100_000) }
        }
        #expect(!alive, "the timed-out task's process group is gone")
    }

    @Test func detachedProcessesAreWatchedAndStopped() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pid = try host.startDetached(["sh", "-c", "trap '' TERM; sleep 300"], in: dir.path, log: "d.log", pidFile: "d.pid")
        #expect(pid > 0)
        let pidFile = dir.appendingPathComponent("d.pid").path
        #expect(try host.isAlive(pidFile: pidFile), "\((try? String(contentsOf: dir.appendingPathComponent("d.log"), encoding: .utf8)) ?? "no log")")
        try host.stopGroup(pidFile: pidFile, grace: 0.5)   // ignores TERM: KILL after the grace
        #expect(try !host.isAlive(pidFile: pidFile))
    }

    @Test func failuresNameTheOperationAndTheOutput() throws {
        #expect {
            try host.run("echo 'disk full' >&2; exit 4", "copy the agent")
        } throws: { e in
            let h = e as! HostError
            return h.kind == .failed && h.description == "this machine: copy the agent: disk full"
        }
    }
}
