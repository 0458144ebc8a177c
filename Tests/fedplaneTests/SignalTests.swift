import Foundation
import Testing

/// SIGINT and SIGTERM to a real `fedplane apply` mid-training: every process it started ends, the
/// state records what was done, the lock is released, and the next apply finishes the run.
/// Each apply carries a marker in its environment, which every process it starts inherits, so
/// "no process of that apply survives" is checked by scanning /proc for the marker.
@Suite(.serialized) struct SignalTests {
    /// Processes (pid, command line) whose environment holds `marker`.
    static func processes(marked marker: String) -> [(pid: Int32, command: String)] {
        let needle = Data("FEDPLANE_TEST_MARK=\(marker)".utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name in
            guard let pid = Int32(name), pid != getpid(),
                  let env = FileManager.default.contents(atPath: "/proc/\(name)/environ"), env.range(of: needle) != nil,
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] != "Z" else { return nil }
            let cmd = FileManager.default.contents(atPath: "/proc/\(name)/cmdline").map {
                String(decoding: $0.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            } ?? ""
            return (pid, cmd)
        }
    }

    /// Kills whatever is left of a marked apply (cleanup, also when a check failed).
    static func killAll(marked marker: String) {
        for p in processes(marked: marker) { kill(p.pid, SIGKILL) }
    }

    /// Waits for `p` up to `seconds`; false (and SIGKILL) when it does not end.
    static func waitForExit(_ p: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(); return false }
        return true
    }

    static func until(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { if condition() { return true }; usleep(25_000) }
        return condition()
    }

    /// `urgent`: after a second signal the apply may also end through its abort path (which
    /// releases the lock and leaves the rest to the next apply's reconciliation).
    func checkStoppedCleanly(_ f: Federation, _ p: Process, err: Pipe, signal sig: Int32, marker: String, urgent: Bool = false) throws -> String {
        #expect(Self.waitForExit(p, seconds: 60), "apply did not end after the signal")
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationReason == .exit && p.terminationStatus == 128 + sig, "status \(p.terminationStatus): \(stderr)")
        let last = stderr.split(separator: "\n").last.map(String.init) ?? ""
        let left = Self.processes(marked: marker)
        #expect(left.isEmpty, "processes of the apply survived: \(left)")
        #expect(try f.sql("SELECT count(*) FROM lock") == "0", "the lock is still held")
        #expect(try f.sql("PRAGMA integrity_check") == "ok")
        if urgent && last.hasPrefix("error: apply aborted by SIGINT; the state lock was released.") { return stderr }
        #expect(last.hasPrefix("error: interrupted by \(sig == SIGINT ? "SIGINT" : "SIGTERM"): run.1 stopped after round"), "\(stderr)")
        #expect(last.contains("The state lock was released"), "\(last)")
        #expect(try f.sql("SELECT status FROM runs WHERE run=1") == "cancelled")
        #expect(try f.sql("SELECT count(*) FROM apply_journal WHERE address='run.1' AND status='failed' AND error LIKE 'interrupted by %'") == "1")
        return stderr
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalMidTrainingStopsEveryProcessAndTheNextApplyResumes(_ sig: Int32) throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 5") }
        let marker = UUID().uuidString
        defer { Self.killAll(marked: marker) }
        let (apply, _, err) = try f.start(["apply", "--auto-approve"],
                                          env: ["FEDPLANE_TEST_AGENT_DELAY_MS": "400", "FEDPLANE_TEST_MARK": marker])
        // Mid-training: a round is committed and the next round's agents run.
        #expect(Self.until(120) { ((try? f.sql("SELECT count(*) FROM rounds")).flatMap { Int($0) } ?? 0) >= 1 })
        #expect(Self.until(30) { Self.processes(marked: marker).contains { $0.command.contains(" agent ") } })
        #expect(Self.processes(marked: marker).contains { $0.command.contains(" aggregator ") })
        kill(apply.processIdentifier, sig)
        _ = try checkStoppedCleanly(f, apply, err: err, signal: sig, marker: marker)
        let committed = Int(try f.sql("SELECT count(*) FROM rounds WHERE run=1")) ?? -1

        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("an interrupted apply started this run; resume it"), "\(plan.stdout)")
        let resumed = try f.run(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_MARK": marker])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("run 1: resuming after round \(committed) of 5"), "\(resumed.stderr)")
        #expect(try f.sql("SELECT group_concat(round) FROM (SELECT round FROM rounds WHERE run=1 ORDER BY round)") == "1,2,3,4,5")
        #expect(try f.sql("SELECT status FROM runs WHERE run=1") == "succeeded")
        #expect(Self.processes(marked: marker).isEmpty)
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    /// An external trainer that ignores SIGTERM and sleeps (while a flag file exists), else
    /// hands over to the NumPy example trainer.
    func slowTrainerFederation() throws -> (Federation, flag: URL) {
        let example = CLI.repoRoot.appendingPathComponent("examples/numpy-trainer/train.py").path
        let f = try Federation(try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "rounds: 10", with: "rounds: 2")
            .replacingOccurrences(of: "taskTimeout: 30s", with: "taskTimeout: 300s")
            .replacingOccurrences(of: "roundDeadline: 60s", with: "roundDeadline: 600s"))
        let script = try f.dir.write("slow.py", """
            import os, runpy, signal, sys, time
            flag = \(String(reflecting: f.dir.url.appendingPathComponent("slow").path))
            if os.path.exists(flag):
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                time.sleep(600)
            sys.argv = [\(String(reflecting: example))]
            runpy.run_path(sys.argv[0], run_name="__main__")
            """)
        try f.editSpec { $0.replacingOccurrences(of: "trainer: { builtin: logistic }", with: "trainer: { command: [python3, \(script.path)] }") }
        let flag = f.dir.url.appendingPathComponent("slow")
        _ = FileManager.default.createFile(atPath: flag.path, contents: nil)
        return (f, flag)
    }

    /// The trainer ignores SIGTERM: the first SIGINT waits out the grace period, then kills it.
    /// A second SIGINT right after the first does not wait.
    @Test(arguments: [1, 2])
    func aSlowExternalTrainerIsStoppedWithItsAgent(_ interrupts: Int) throws {
        let (f, flag) = try slowTrainerFederation()
        let marker = UUID().uuidString
        defer { Self.killAll(marked: marker) }
        let (apply, _, err) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_MARK": marker])
        #expect(Self.until(120) { Self.processes(marked: marker).filter { $0.command.contains("slow.py") }.count == 3 },
                "the trainers did not start: \(Self.processes(marked: marker))")
        kill(apply.processIdentifier, SIGINT)
        if interrupts == 2 {
            usleep(300_000)
            kill(apply.processIdentifier, SIGINT)
        }
        let stderr = try checkStoppedCleanly(f, apply, err: err, signal: SIGINT, marker: marker, urgent: interrupts == 2)
        if interrupts == 2 { #expect(stderr.contains("SIGINT again: stopping at once."), "\(stderr)") }
        #expect(try f.sql("SELECT count(*) FROM rounds") == "0")
        // Without its lock the next apply could not run; it resumes the run and finishes it.
        try FileManager.default.removeItem(at: flag)
        let resumed = try f.run(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_MARK": marker])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try f.sql("SELECT group_concat(round) FROM (SELECT round FROM rounds WHERE run=1 ORDER BY round)") == "1,2")
        #expect(Self.processes(marked: marker).isEmpty)
    }
}
