import Foundation
import Testing

/// The main job end to end: apply trains the quick-start federation with real aggregator and
/// agent processes on loopback, records every round, and the model registry serves the models.
@Suite struct TrainingTests {
    func rounds(_ f: Federation) throws -> [String] {
        try f.sql("SELECT round FROM rounds WHERE run=1 ORDER BY round").split(separator: "\n").map(String.init)
    }

    @Test func quickstartTrainsRecordsRoundsAndServesTheBestModel() throws {
        let f = try Federation()
        let r = try f.run(["apply", "--auto-approve"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("round ") }
        #expect(lines.count == 10, "\(r.stderr)")
        #expect(lines.first?.hasPrefix("round 1/10: 3 participants, loss ") == true)
        #expect(r.stderr.contains("final model: 3 participants"))
        #expect(try rounds(f) == (1...10).map(String.init))
        #expect(try f.sql("SELECT count(*) FROM models WHERE run=1") == "11")
        #expect(try f.sql("SELECT status FROM runs WHERE run=1") == "succeeded")
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)

        let best = try f.run(["models", "best", "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(best.stdout.utf8)) as? [String: Any])
        let metrics = try #require(doc["metrics"] as? [String: Double])
        #expect(metrics["accuracy"]! >= 0.85, "the spec's models.select asks for accuracy >= 0.85")
        let id = try #require(doc["id"] as? String)
        // Training data never reaches the aggregator: it only ever held weights.
        let out = f.dir.url.appendingPathComponent("best.safetensors")
        let pull = try f.run(["models", "pull", "best", "-o", out.path])
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect(pull.stdout.contains("sha256 verified"))
        let bytes = try Data(contentsOf: out)
        #expect(bytes.count > 8)
        // A damaged stored model is refused by its hash.
        let stored = f.dir.url.appendingPathComponent(".fedplane/quickstart-models/\(id.prefix(2))/\(id).safetensors")
        var damaged = try Data(contentsOf: stored)
        damaged[damaged.count - 1] ^= 0xFF
        try damaged.write(to: stored)
        let refused = try f.run(["models", "pull", String(id.prefix(12)), "-o", out.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is damaged"), "\(refused.stderr)")

        let list = try f.run(["models", "list", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.count == 11)
        let strict = try f.run(["models", "best", "--where", "accuracy>=0.999"])
        #expect(strict.status == 1 && strict.stderr.contains("no model meeting accuracy>=0.999"))
        let svg = f.dir.url.appendingPathComponent("curves.svg")
        #expect(try f.run(["models", "plot", "--svg", svg.path]).status == 0)
        #expect(try String(contentsOf: svg, encoding: .utf8).contains("accuracy, run 1"))
    }

    @Test func keysStayInThePKIDirectoryAndOutOfStatePlansAndLogs() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 2") }
        let applied = try f.run(["apply", "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let pki = f.dir.url.appendingPathComponent(".fedplane/quickstart-pki")
        let mode = { (url: URL) in (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(pki) == 0o700)
        let keys = try FileManager.default.contentsOfDirectory(at: pki, includingPropertiesForKeys: nil).filter { $0.pathExtension == "key" }
        #expect(Set(keys.map(\.lastPathComponent)) == ["ca.key", "aggregator.key", "coordinator.key", "participant-hospital-a.key",
                                                        "participant-hospital-b.key", "participant-hospital-c.key"])
        // The base64 body of every key, to look for anywhere else.
        var secrets: [String] = []
        for key in keys {
            #expect(try mode(key) == 0o600, "\(key.lastPathComponent)")
            let pem = try String(contentsOf: key, encoding: .utf8)
            secrets += pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        }
        #expect(secrets.count >= keys.count)
        // The state records each certificate's fingerprint and expiry.
        #expect(try f.sql("SELECT count(*) FROM resources WHERE type IN ('ca', 'certificate') AND json_extract(attributes, '$.observed.fingerprint') LIKE 'sha256:%' AND json_extract(attributes, '$.observed.notAfter') IS NOT NULL") == "6")
        let plan = try f.run(["plan", "--json"])
        let show = try f.run(["show", "--json"])
        var everything = applied.stdout + applied.stderr + plan.stdout + show.stdout
        // Every file fedplane wrote outside the PKI directory: state, backups, logs, launch and
        // assignment files, models.
        let e = FileManager.default.enumerator(at: f.dir.url.appendingPathComponent(".fedplane"), includingPropertiesForKeys: nil)
        while let url = e?.nextObject() as? URL {
            guard !url.path.hasPrefix(pki.path), let data = try? Data(contentsOf: url) else { continue }
            everything += String(decoding: data, as: UTF8.self)
        }
        #expect(!everything.contains("PRIVATE KEY"))
        for s in secrets { #expect(!everything.contains(s), "a private key leaked") }
    }

    @Test func aChangedHyperparameterPlansANewRunAndKeepsTheOldOne() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 2") }
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try f.editSpec { $0.replacingOccurrences(of: "learningRate: 0.2", with: "learningRate: 0.1") }
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("  + run.2\n      # not in state yet\n      # a new run: learningRate: 0.2 → 0.1"), "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy."))
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        #expect(try f.sql("SELECT run, status FROM runs ORDER BY run") == "1|succeeded\n2|succeeded")
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func aParticipantKilledMidRoundIsRetriedOnItsNextVM() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 3") }
        let (apply, _, errPipe) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_AGENT_DELAY_MS": "1500"])
        // Wait for hospital-b's first agent, then kill it.
        let pidFile = f.localRoot.appendingPathComponent("participant/hospital-b/vms/vm-001/agent.pid")
        var waited = 0
        while waited < 600, !FileManager.default.fileExists(atPath: pidFile.path) { usleep(50_000); waited += 1 }
        usleep(300_000)
        let pid = try #require(Int32(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, SIGKILL) == 0)
        apply.waitUntilExit()
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(apply.terminationStatus == 0, "\(stderr)")
        #expect(try rounds(f) == ["1", "2", "3"])
        // Round 1 of hospital-b ran on vm-002 after vm-001's agent was killed.
        let log = try String(contentsOf: f.localRoot.appendingPathComponent("participant/hospital-b/vms/vm-002/agent.log"), encoding: .utf8)
        _ = log
        #expect(FileManager.default.fileExists(atPath: f.localRoot.appendingPathComponent("participant/hospital-b/vms/vm-002/assignment.json").path))
    }

    @Test func anAggregatorKilledMidRunIsRestartedAndEveryRoundIsRecorded() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 4") }
        let (apply, _, errPipe) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_AGENT_DELAY_MS": "400"])
        // Once round 2 is committed, kill the aggregator.
        var waited = 0
        while waited < 1200, (try? f.sql("SELECT count(*) FROM rounds")) ?? "0" < "2" { usleep(50_000); waited += 1 }
        let pidFile = f.localRoot.appendingPathComponent("aggregator/main/aggregator.pid")
        let pid = try #require(Int32(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, SIGKILL) == 0)
        apply.waitUntilExit()
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(apply.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("the aggregator stopped answering; restarting it"), "\(stderr)")
        #expect(try rounds(f) == ["1", "2", "3", "4"])
        #expect(try f.sql("SELECT status FROM runs WHERE run=1") == "succeeded")
    }

    @Test func anApplyKilledMidRunResumesFromTheLastCommittedRound() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 4") }
        let (apply, _, _) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_AGENT_DELAY_MS": "300"])
        var waited = 0
        while waited < 1200, (try? f.sql("SELECT count(*) FROM rounds")) ?? "0" < "2" { usleep(50_000); waited += 1 }
        kill(apply.processIdentifier, SIGKILL)
        apply.waitUntilExit()
        // Its aggregator and agents die with it or are left behind; a new apply takes over.
        let committed = try rounds(f)
        #expect(committed.count >= 2 && committed.count < 4, "\(committed)")
        let lockID = try f.sql("SELECT lock_id FROM lock")
        #expect(try f.run(["force-unlock", lockID]).status == 0)
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("run.1"), "\(plan.stdout)")
        let resumed = try f.run(["apply", "--auto-approve"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("run 1: resuming after round \(committed.count) of 4"), "\(resumed.stderr)")
        #expect(try rounds(f) == ["1", "2", "3", "4"])
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func theRoundDeadlineClosesARoundWithoutALateParticipant() throws {
        let f = try Federation()
        // A deadline the two punctual agents meet even on a loaded CI machine (2 s did not,
        // once, in a heavily parallel run), and a late one far beyond it.
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 2").replacingOccurrences(of: "roundDeadline: 60s", with: "roundDeadline: 6s") }
        let r = try f.run(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_AGENT_DELAY_MS": "hospital-c:20000"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("round ") }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains(": 2 participants,") && $0.hasSuffix("dropped out: hospital-c") }, "\(lines)")
        #expect(try rounds(f) == ["1", "2"])
    }

    @Test func theNumPyExampleTrainsThroughTheFileContract() throws {
        let script = CLI.repoRoot.appendingPathComponent("examples/numpy-trainer/train.py").path
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "trainer: { builtin: logistic }", with: "trainer: { command: [python3, \(script)] }")
            .replacingOccurrences(of: "rounds: 10", with: "rounds: 3")
        let f = try Federation(text)
        let r = try f.run(["apply", "--auto-approve"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try rounds(f) == ["1", "2", "3"])
        let acc = try #require(Double(try f.sql("SELECT json_extract(metrics, '$.accuracy') FROM models WHERE round=3")))
        #expect(acc > 0.8)
    }

    /// The persistent mode changes how the trainer is started, not what it computes: the same
    /// seeded NumPy rounds give the same global models, byte for byte, with one trainer process
    /// per VM for the whole run.
    @Test func theNumPyExampleGivesTheSameModelsWhenPersistent() throws {
        let script = CLI.repoRoot.appendingPathComponent("examples/numpy-trainer/train.py").path
        func models(persistent: Bool) throws -> (ids: String, trainers: Int) {
            let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
                .replacingOccurrences(of: "trainer: { builtin: logistic }",
                                      with: "trainer: { command: [python3, \(script)]\(persistent ? ", persistent: true" : "") }")
                .replacingOccurrences(of: "rounds: 10", with: "rounds: 3")
            let f = try Federation(text)
            // The persistent programs outlive apply until stopped: stop each VM's.
            let records = { FileManager.default.enumerator(at: f.localRoot, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.lastPathComponent == "trainer.json" } ?? [] }
            defer {
                for record in records() {
                    _ = try? f.run(["stop-trainer", "--workdir", record.deletingLastPathComponent().deletingLastPathComponent().path])
                }
            }
            let r = try f.run(["apply", "--auto-approve"])
            #expect(r.status == 0, "\(r.stderr)")
            // A persistent program leaves its VM a `trainer` directory; the run's end stopped it
            // (no live record is left).
            let trainerDirs = (FileManager.default.enumerator(at: f.localRoot, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.lastPathComponent == "trainer" } ?? []).count
            #expect(records().isEmpty, "persistent trainers still recorded after the run ended")
            return (try f.sql("SELECT id FROM models WHERE run=1 ORDER BY round"), trainerDirs)
        }
        let persistent = try models(persistent: true)
        let oneShot = try models(persistent: false)
        #expect(persistent.ids == oneShot.ids)
        #expect(persistent.ids.split(separator: "\n").count == 4)
        #expect(persistent.trainers >= 3)
        #expect(oneShot.trainers == 0)
    }
}
