import Foundation
import Testing

/// The federation's life beyond one apply: destroy and apply again, a lost write-ahead log, saved
/// plans for another spec, force-unlock of a live holder, a read-only state directory.
@Suite struct LifecycleTests {
    func shortRun(_ rounds: Int = 2) throws -> Federation {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: \(rounds)") }
        return f
    }

    @Test func applyDestroyApplyTrainsAFreshRunAndKeepsTheOldOneAsHistory() throws {
        let f = try shortRun()
        let first = try f.run(["apply", "--auto-approve"])
        #expect(first.status == 0, "\(first.stderr)")
        // The outputs block names the spec path the user gave.
        #expect(first.stdout.contains("Outputs:\n  state   \(f.statePath)"), "\(first.stdout)")
        #expect(first.stdout.contains("fedplane models best -f \(f.spec.path)"), "\(first.stdout)")

        let destroy = try f.run(["destroy", "--auto-approve"])
        #expect(destroy.status == 0, "\(destroy.stderr)")
        #expect(destroy.stdout.contains("Kept as history: run 1 with 3 recorded models"), "\(destroy.stdout)")
        #expect(destroy.stdout.contains("The next apply trains a fresh run 2."), "\(destroy.stdout)")
        #expect(f.localResources().isEmpty)

        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("+ run.2"), "\(plan.stdout)")
        #expect(plan.stdout.contains("a fresh run; run 1 is kept as history"), "\(plan.stdout)")
        #expect(!plan.stdout.contains("run.1"), "\(plan.stdout)")

        let again = try f.run(["apply", "--auto-approve"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("Error Domain="), "\(again.stderr)")
        #expect(try f.sql("SELECT run || ':' || status FROM runs ORDER BY run") == "1:succeeded\n2:succeeded")
        #expect(try f.sql("SELECT count(*) FROM rounds WHERE run=2") == "2")
        #expect(try f.sql("SELECT count(*) FROM resources WHERE provider_id IS NULL") == "0")
        #expect(f.localResources().count == 11)
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
        #expect(try f.run(["models", "best", "--metric", "f1"]).status == 0)
    }

    /// The state lost its -wal in a crash: it says round 2, the run's checkpoint says round 4.
    /// With the checkpoint's history the model after round 2 is found; without it (an older
    /// checkpoint), round 2 runs again from the model that entered it.
    @Test(arguments: [true, false])
    func aStateBehindItsCheckpointIsTheTruth(_ checkpointHasHistory: Bool) throws {
        let f = try shortRun(4)
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        let checkpoint = f.localRoot.appendingPathComponent("run/1/checkpoint.json")
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint)) as? [String: Any])
        #expect(saved["round"] as? Int == 4)
        if !checkpointHasHistory {
            try JSONSerialization.data(withJSONObject: ["round": 4, "model": saved["model"]!]).write(to: checkpoint)
        }
        // What the state looks like without the transactions of rounds 3 and 4 and the run's end.
        _ = try f.sql("DELETE FROM rounds WHERE run=1 AND round>2")
        _ = try f.sql("DELETE FROM models WHERE run=1 AND round>=2")
        _ = try f.sql("UPDATE runs SET status='running', finished_at=NULL WHERE run=1")
        _ = try f.sql("UPDATE resources SET provider_id=NULL WHERE address='run.1'")
        _ = try f.sql("PRAGMA wal_checkpoint(TRUNCATE)")

        let r = try f.run(["apply", "--auto-approve"])
        #expect(r.status == 0, "\(r.stderr)")
        let said = r.stderr.split(separator: "\n").filter { $0.contains("the state is the truth") }
        #expect(said.count == 1, "\(r.stderr)")
        #expect(said.first?.contains("the state is at round 2 and the checkpoint is at round 4, ahead of the state") == true, "\(said)")
        #expect(said.first?.contains(checkpointHasHistory ? "discarding the checkpoint's progress beyond round 2" : "running round 2 again") == true, "\(said)")
        #expect(try f.sql("SELECT group_concat(round) FROM (SELECT round FROM rounds WHERE run=1 ORDER BY round)") == "1,2,3,4")
        #expect(try f.sql("SELECT count(*) FROM models WHERE run=1") == "5")
        #expect(try f.sql("SELECT status FROM runs WHERE run=1") == "succeeded")
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func aSavedPlanIsAppliedOnlyWithItsOwnSpec() throws {
        let f = try shortRun(1)
        let text = try String(contentsOf: f.spec, encoding: .utf8)
        let other = try f.dir.write("other.yaml", text.replacingOccurrences(of: "  name: quickstart", with: "  name: other"))
        let changed = try f.dir.write("changed.yaml", text.replacingOccurrences(of: "epochs: 3", with: "epochs: 2"))
        let planFile = f.dir.url.appendingPathComponent("other.plan").path
        #expect(try CLI.run(["plan", "-f", other.path, "--out", planFile], in: f.dir.url).status == 0)

        let wrong = try CLI.run(["apply", "-f", f.spec.path, planFile], in: f.dir.url)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("it was made for federation \"other\" (from \(other.path)), but \(f.spec.path) is federation \"quickstart\""), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.statePath), "the refused apply created the other federation's state")
        #expect(!FileManager.default.fileExists(atPath: f.dir.url.appendingPathComponent(".fedplane/other.db").path))

        // Same federation, other contents (a copy with another epochs value).
        let ownPlan = f.dir.url.appendingPathComponent("own.plan").path
        #expect(try f.run(["plan", "--out", ownPlan]).status == 0)
        let differs = try CLI.run(["apply", "-f", changed.path, ownPlan], in: f.dir.url)
        #expect(differs.status == 1)
        #expect(differs.stderr.contains("it was made from \(f.spec.path), and \(changed.path) is not that spec"), "\(differs.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.statePath))

        // Its own spec, given or not, applies it.
        let right = try CLI.run(["apply", "-f", other.path, planFile], in: f.dir.url)
        #expect(right.status == 0, "\(right.stderr)")
        let own = try CLI.run(["apply", ownPlan], in: f.dir.url)
        #expect(own.status == 0, "\(own.stderr)")
    }

    @Test func forceUnlockRefusesALiveHolderUnlessForced() throws {
        let f = try shortRun(1)
        let (slow, _, slowErr) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_STEP_DELAY_MS": "400"])
        defer { if slow.isRunning { kill(slow.processIdentifier, SIGKILL); slow.waitUntilExit() } }
        var waited = 0
        while waited < 400, (try? f.sql("SELECT count(*) FROM lock")) != "1" { usleep(25_000); waited += 1 }
        let lockID = try f.sql("SELECT lock_id FROM lock")
        #expect(try f.sql("SELECT pid FROM lock") == "\(slow.processIdentifier)")

        let refused = try f.run(["force-unlock", lockID])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the lock holder, pid \(slow.processIdentifier) (operation apply), is still running"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--force"))
        #expect(try f.sql("SELECT lock_id FROM lock") == lockID, "the refused force-unlock released the lock")

        let forced = try f.run(["force-unlock", "--force", lockID])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("pid \(slow.processIdentifier)"))
        slow.waitUntilExit()
        // The apply whose lock was taken away notices and stops writing.
        #expect(slow.terminationStatus == 1)
        let err = String(decoding: slowErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(err.contains("was released by someone else"), "\(err)")
    }

    /// Root ignores permission bits, so the state directory is made read-only with a read-only
    /// bind mount of itself (removed at the end, also on failure).
    @Test func readingCommandsWorkOnAReadOnlyStateDirectory() throws {
        let f = try shortRun(2)
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        let dir = f.dir.url.appendingPathComponent(".fedplane").path
        let before = try f.dir.listing()
        try Mount.readOnly(dir)
        defer { Mount.undo(dir) }
        #expect(!FileManager.default.createFile(atPath: dir + "/probe", contents: nil), "the directory is still writable")

        let plan = try f.run(["plan", "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("No changes."))
        let show = try f.run(["show"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("run.1"), "\(show.stdout)")
        let models = try f.run(["models", "list", "--json"])
        #expect(models.status == 0, "\(models.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(models.stdout.utf8)) as? [Any])?.count == 3, "\(models.stdout)")
        let byState = try CLI.run(["show", "--state", f.statePath], in: f.dir.url)
        #expect(byState.status == 0, "\(byState.stderr)")

        // A command that must write says why it cannot, in one line.
        let apply = try f.run(["apply", "--auto-approve"])
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("is read-only here"), "\(apply.stderr)")
        #expect(!apply.stderr.contains("sqlite error"), "\(apply.stderr)")
        Mount.undo(dir)
        #expect(try f.dir.listing() == before, "a reading command changed the state directory")
    }
}

/// A read-only bind mount of a directory onto itself.
enum Mount {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func run(_ args: [String]) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = err
        do { try p.run() } catch { return (-1, "\(error)") }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    static func readOnly(_ dir: String) throws {
        let bind = run(["mount", "--bind", dir, dir])
        guard bind.0 == 0 else { throw Failure(description: "mount --bind \(dir) failed (this test needs root with CAP_SYS_ADMIN): \(bind.1)") }
        let ro = run(["mount", "-o", "remount,bind,ro", dir])
        guard ro.0 == 0 else {
            undo(dir)
            throw Failure(description: "remount read-only failed: \(ro.1)")
        }
    }

    /// Idempotent: unmounts only while `dir` is a mount point.
    static func undo(_ dir: String) {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        guard mounts.split(separator: "\n").contains(where: { $0.split(separator: " ").dropFirst().first.map(String.init) == dir }) else { return }
        _ = run(["umount", dir])
    }
}
