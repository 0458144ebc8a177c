import FedProcess
import Foundation
import Testing

/// Real processes: /bin/sh children that start grandchildren, some in process groups of their own.
@Suite(.serialized) struct ChildProcessTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedprocess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func sh(_ script: String, log: String = "out.log") throws -> ChildProcess {
        try ChildProcess.start(URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script], directory: dir,
                               output: .init(stdout: dir.appendingPathComponent(log)))
    }

    func pids(in file: String) -> [pid_t] {
        ((try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)) ?? "")
            .split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
    }

    func alive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    @Test func runsInItsDirectoryWithItsOutputAndExitStatus() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try sh("pwd; echo oops >&2; exit 3")
        #expect(p.wait(seconds: 20) == .exited(3))
        let out = try String(contentsOf: dir.appendingPathComponent("out.log"), encoding: .utf8)
        #expect(out == "\(dir.path)\noops\n" || out == "\(dir.resolvingSymlinksInPath().path)\noops\n", "\(out)")
    }

    @Test func leadsItsOwnProcessGroup() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try sh("sleep 30")
        defer { p.stop(grace: 0) }
        #expect(getpgid(p.pid) == p.pid)
        #expect(getpgid(p.pid) != getpgrp())
    }

    @Test func stopEndsTheWholeTreeAlsoGrandchildrenInOtherGroups() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        // A background sleep in the child's group, and one that moved to a session (group) of its own.
        let p = try sh("sleep 300 & echo $! > bg.pid; setsid sleep 300 & echo $! > own.pid; wait")
        var waited = 0
        while (pids(in: "bg.pid").isEmpty || pids(in: "own.pid").isEmpty) && waited < 400 { usleep(10_000); waited += 1 }
        let bg = try #require(pids(in: "bg.pid").first)
        let own = try #require(pids(in: "own.pid").first)
        // setsid may fork before it execs; wait until the process in its own group exists.
        waited = 0
        while ProcessTree.members(of: p.pid).count < 3 && waited < 400 { usleep(10_000); waited += 1 }
        #expect(ProcessTree.members(of: p.pid).contains(bg))
        let ended = p.stop(grace: 2)
        #expect(ended == .signalled(SIGTERM) || ended == .signalled(SIGKILL), "\(ended)")
        #expect(!alive(p.pid) && !alive(bg), "the child or its background job survived")
        #expect(ProcessTree.members(of: p.pid).isEmpty)
        // The one in its own group is found through its parent while the parent lives.
        #expect(!alive(own), "a grandchild in its own process group survived")
    }

    @Test func aChildDoesNotInheritIgnoredSignals() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        signal(SIGTERM, SIG_IGN)
        defer { signal(SIGTERM, SIG_DFL) }
        let p = try sh("sleep 30")
        p.signal(SIGTERM)
        #expect(p.wait(seconds: 20) == .signalled(SIGTERM))
    }

    /// A pipe this process has open (without close-on-exec) must not reach the child: else
    /// whoever reads it to its end waits for the child too.
    @Test func aChildInheritsNoDescriptorBeyondItsStandardOnes() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let ours = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fds[1])")
        let p = try sh("sleep 30")
        defer { p.stop(grace: 0) }
        let theirs = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(p.pid)/fd").compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p.pid)/fd/\($0)")
        }
        #expect(theirs.count == 3, "\(theirs)")
        #expect(!theirs.contains(ours), "the child holds our pipe \(ours): \(theirs)")
    }

    @Test func stopAllStopsEveryRunningChild() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try sh("sleep 300", log: "a.log"), b = try sh("sleep 300", log: "b.log")
        ChildProcess.stopAll(grace: 1)
        #expect(a.termination != nil && b.termination != nil)
        #expect(!alive(a.pid) && !alive(b.pid))
    }
}
