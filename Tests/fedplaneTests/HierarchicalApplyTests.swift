import Foundation
import Testing
import FedTestSupport

/// `aggregator.topology: hierarchical` applied on local clouds (issue 16): five hospitals, two
/// locations with two each (a regional aggregator per location, maxRegional 2) and one served by
/// the global aggregator directly. Real processes of the built binary; the flat run of the same
/// spec and seed is the reference.
@Suite struct HierarchicalApplyTests {
    /// The quick start with hospital-d (us-east-1, like a) and hospital-e (eu-west-1, like b), 3 rounds.
    static func spec(topology: String) throws -> String {
        var text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
        let a = text[text.range(of: "  - name: hospital-a\n")!.lowerBound..<text.range(of: "  - name: hospital-b\n")!.lowerBound]
        let extra = a.replacingOccurrences(of: "hospital-a", with: "hospital-d")
            + a.replacingOccurrences(of: "hospital-a", with: "hospital-e").replacingOccurrences(of: "aws/us-east-1", with: "aws/eu-west-1")
        text = text.replacingOccurrences(of: "\ntraining:\n", with: extra + "\ntraining:\n")
            .replacingOccurrences(of: "  hospital-c: { provider: local }\n", with: "  hospital-c: { provider: local }\n  hospital-d: { provider: local }\n  hospital-e: { provider: local }\n")
            .replacingOccurrences(of: "rounds: 10", with: "rounds: 3")
        if topology == "hierarchical" {
            text = text.replacingOccurrences(of: "  weights: { cost: 0.5, latency: 0.5 }\n",
                                             with: "  weights: { cost: 0.5, latency: 0.5 }\n  topology: hierarchical\n  maxRegional: 2\n")
        }
        return text
    }

    @Test func aHierarchicalFederationPlansAppliesAndTrainsTheFlatModel() async throws { try await offPool { try Self().body() } }
    func body() throws {
        let h = try Federation(Self.spec(topology: "hierarchical"))
        let plan = try h.run(["plan", "--no-color"])
        #expect(plan.status == 0, "\(plan.stderr)")
        // Who serves whom: in the placement line and on each regional aggregator.
        #expect(plan.stdout.contains("aggregator.regional.1 (lab/local/local) serves hospital-a, hospital-d; aggregator.regional.2 (lab/local/local) serves hospital-b, hospital-e; direct to the global aggregator: hospital-c"), "\(plan.stdout)")
        #expect(plan.stdout.contains("  + aggregator.regional.1\n      # not in state yet\n      # regional aggregator: serves hospital-a, hospital-d and posts each round to aggregator.main\n"), "\(plan.stdout)")
        #expect(plan.stdout.contains("      participants = [\"hospital-b\",\"hospital-e\"]"))
        #expect(plan.stdout.contains("  + certificate.regional-1\n") && plan.stdout.contains("  + certificate.regional-2\n"))

        let planJSON = try h.run(["plan", "--json"])
        let placement = (try JSONSerialization.jsonObject(with: Data(planJSON.stdout.utf8)) as? [String: Any])?["placement"] as? [String: Any]
        let regionalJSON = try #require(placement?["regional"] as? [[String: Any]], "\(planJSON.stdout)")
        #expect(regionalJSON.map { $0["address"] as? String } == ["aggregator.regional.1", "aggregator.regional.2"])
        #expect(regionalJSON.map { $0["participants"] as? [String] } == [["hospital-a", "hospital-d"], ["hospital-b", "hospital-e"]])

        let applied = try h.run(["apply", "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stderr.contains("final model: 5 participants"), "\(applied.stderr)")
        #expect(h.localResources().isSuperset(of: ["aggregator.main", "aggregator.regional.1", "aggregator.regional.2"]))
        let again = try h.run(["plan", "--detailed-exitcode"])
        #expect(again.status == 0 && again.stdout.contains("No changes."), "\(again.stdout)")

        // The global aggregator admitted the regional aggregators and hospital-c, not the
        // participants served regionally; regional aggregator 1 only its own two.
        let run = h.localRoot.appendingPathComponent("run/1")
        let global = try Self.json(run.appendingPathComponent("aggregator.json"))
        #expect((global["participants"] as? [String]) == ["hospital-c", "regional:1", "regional:2"])
        #expect(Set((global["clients"] as? [String: String] ?? [:]).keys) == ["coordinator", "participant:hospital-c", "regional:1", "regional:2"])
        let regional = try Self.json(run.appendingPathComponent("aggregator-regional-1.json"))
        #expect((regional["participants"] as? [String]) == ["hospital-a", "hospital-d"])
        #expect(Set((regional["clients"] as? [String: String] ?? [:]).keys) == ["coordinator", "participant:hospital-a", "participant:hospital-d"])
        #expect((regional["parent"] as? [String: Any])?["name"] as? String == "1")

        let flat = try Federation(Self.spec(topology: "flat"))
        let flatApplied = try flat.run(["apply", "--auto-approve"])
        #expect(flatApplied.status == 0, "\(flatApplied.stderr)")
        #expect(!flat.localResources().contains("aggregator.regional.1"))

        // The key check: the same global model (float tolerance) and the same round metrics.
        let (hm, fm) = (try Self.finalModel(h), try Self.finalModel(flat))
        #expect(hm.keys == fm.keys && !hm.isEmpty)
        var worst: Float = 0
        for (name, values) in hm { for (x, y) in zip(values, fm[name]!) { worst = max(worst, abs(x - y)) } }
        #expect(worst < 1e-5, "max abs diff \(worst)")
        let query = "SELECT round || ':' || participants || ':' || printf('%.6f', accuracy) || ':' || printf('%.6f', loss) FROM rounds WHERE run=1 ORDER BY round"
        let metrics = try h.sql(query)
        #expect(metrics == (try flat.sql(query)) && metrics.split(separator: "\n").count == 3, "\(metrics)")
        // Bytes are recorded per participant (as its regional aggregator counted them), the same
        // participants as the flat run's; the regional → global hop is kept apart under `regional:<n>`.
        let traffic = "SELECT round || ':' || participant || ':' || (bytes_up > 0) || ':' || (bytes_down > 0) FROM round_traffic WHERE run=1 AND participant NOT LIKE 'regional:%' ORDER BY round, participant"
        let recorded = try h.sql(traffic)
        // 3 rounds and the evaluation pass (downloads only, also of the regionally served participants).
        #expect(recorded == (try flat.sql(traffic)) && recorded.split(separator: "\n").count == 20 && !recorded.contains("regional"), "\(recorded)")
        #expect(try flat.sql("SELECT count(*) FROM round_traffic WHERE participant LIKE 'regional:%'") == "0")
        // The hop: each regional aggregator, each round, sent one round result up and was sent the
        // global model that entered the round (the model's size, as a participant's are).
        let hop = try h.sql("""
            SELECT t.round, t.participant, t.bytes_up, t.bytes_down, m.size_bytes FROM round_traffic t
            JOIN models m ON m.run = t.run AND m.round = t.round - 1 WHERE t.run = 1 AND t.round <= 3 AND t.participant LIKE 'regional:%'
            ORDER BY t.round, t.participant
            """).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        #expect(hop.map { $0[1] } == ["regional:1", "regional:2", "regional:1", "regional:2", "regional:1", "regional:2"], "\(hop)")
        for r in hop {
            let (up, down, size) = (Int(r[2])!, Int(r[3])!, Int(r[4])!)
            #expect(size > 0 && down == size && up > size / 2 && up < size * 2, "\(r)")
        }
        // One session per regional aggregator, closed, as long as the global aggregator's.
        let sessions = try h.sql("""
            SELECT r.aggregator || ':' || (r.stopped_at IS NOT NULL) || ':' || (r.started_at = a.started_at AND r.stopped_at = a.stopped_at)
            FROM regional_aggregator_sessions r JOIN aggregator_sessions a ON a.run = r.run WHERE r.run = 1 ORDER BY r.aggregator
            """)
        #expect(sessions == "aggregator.regional.1:1:1\naggregator.regional.2:1:1", "\(sessions)")
        // `cost --json` shows them (local clouds: no prices, volumes and time).
        let cost = try h.run(["cost", "--json"])
        #expect(cost.status == 0, "\(cost.stderr)")
        let costRuns = (try JSONSerialization.jsonObject(with: Data(cost.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]]
        let actual = costRuns?.first?["actual"] as? [String: Any]
        let regionalUse = try #require(actual?["regional_aggregators"] as? [[String: Any]], "\(cost.stdout)")
        #expect(regionalUse.map { $0["aggregator"] as? String } == ["aggregator.regional.1", "aggregator.regional.2"])
        #expect(regionalUse.map { $0["participants"] as? [String] } == [["hospital-a", "hospital-d"], ["hospital-b", "hospital-e"]])
        for r in regionalUse {
            #expect(((r["hop_bytes_up"] as? Double) ?? 0) > 0 && ((r["hop_bytes_down"] as? Double) ?? 0) > 0 && ((r["duration_seconds"] as? Double) ?? 0) > 0, "\(r)")
        }
        #expect((actual?["participants"] as? [[String: Any]])?.count == 5, "\(cost.stdout)")
        // The prediction made when the run started counted both regional aggregators and their hop.
        let predictedRegionals = (costRuns?.first?["predicted"] as? [String: Any])?["regional_aggregators"] as? [[String: Any]]
        #expect(predictedRegionals?.map { $0["aggregator"] as? String } == ["aggregator.regional.1", "aggregator.regional.2"], "\(cost.stdout)")
        let costText = try h.run(["cost"])
        #expect(costText.stdout.contains("aggregator.regional.2 VM-hours") && costText.stdout.contains("hop regional:1 ↔ global (volume)"), "\(costText.stdout)")

        // hospital-d moves to eu-west-1: one group of three is left (b, d, e; named 1 by its first
        // member): regional aggregator 1 changes members in place, 2 and its certificate go.
        try h.editSpec { $0.replacingOccurrences(of: "  - name: hospital-d\n    cloud: hospital-d\n    location: aws/us-east-1", with: "  - name: hospital-d\n    cloud: hospital-d\n    location: aws/eu-west-1") }
        let moved = try h.run(["plan", "--no-color"])
        let lines = moved.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("      ") }.map(String.init)
        #expect(lines.contains("  ~ aggregator.regional.1") && lines.contains("  - aggregator.regional.2") && lines.contains("  - certificate.regional-2"), "\(moved.stdout)")
        #expect(lines.contains("  ~ assignment.hospital-a") && lines.contains("  ~ assignment.hospital-b"), "\(moved.stdout)")

        let destroyed = try h.run(["destroy", "--auto-approve"])
        #expect(destroyed.status == 0, "\(destroyed.stderr)")
        #expect(h.localResources().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: h.dir.url.appendingPathComponent(".fedplane/quickstart-pki/regional-1.key").path))
        // No aggregator process of this federation outlives the run or the destroy.
        #expect(Self.aggregatorProcesses(under: h.localRoot.path).isEmpty)
    }

    @Test func aRegionalAggregatorKilledMidRunIsRestartedAndEveryRoundIsRecorded() async throws { try await offPool { try Self().killedBody() } }
    func killedBody() throws {
        let f = try Federation(Self.spec(topology: "hierarchical").replacingOccurrences(of: "rounds: 3", with: "rounds: 4"))
        let (apply, _, errPipe) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_AGENT_DELAY_MS": "400"])
        // Once round 2 is committed, kill regional aggregator 2.
        var waited = 0
        while waited < 1200, (try? f.sql("SELECT count(*) FROM rounds")) ?? "0" < "2" { usleep(50_000); waited += 1 }
        let pidFile = f.localRoot.appendingPathComponent("aggregator/regional.2/aggregator.pid")
        let pid = try #require(Int32(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, SIGKILL) == 0)
        apply.waitUntilExit()
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(apply.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("the aggregator stopped answering; restarting it"), "\(stderr)")
        #expect(try f.sql("SELECT group_concat(round || ':' || participants) FROM (SELECT * FROM rounds WHERE run=1 ORDER BY round)") == "1:5,2:5,3:5,4:5")
        #expect(try f.sql("SELECT status FROM runs WHERE run=1") == "succeeded")
        #expect(Self.aggregatorProcesses(under: f.localRoot.path).isEmpty)
    }

    @Test func aKilledHierarchicalApplyResumesFromTheLastCommittedRound() async throws { try await offPool { try Self().resumeBody() } }
    func resumeBody() throws {
        let f = try Federation(Self.spec(topology: "hierarchical").replacingOccurrences(of: "rounds: 3", with: "rounds: 4"))
        let (apply, _, _) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_AGENT_DELAY_MS": "300"])
        var waited = 0
        while waited < 1200, (try? f.sql("SELECT count(*) FROM rounds")) ?? "0" < "2" { usleep(50_000); waited += 1 }
        kill(apply.processIdentifier, SIGKILL)
        apply.waitUntilExit()
        // Its aggregators (global and regional) may be left running: the next apply stops them.
        let committed = Int(try f.sql("SELECT count(*) FROM rounds")) ?? 0
        #expect(committed >= 2 && committed < 4)
        #expect(try f.run(["force-unlock", try f.sql("SELECT lock_id FROM lock")]).status == 0)
        let resumed = try f.run(["apply", "--auto-approve"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("run 1: resuming after round \(committed) of 4"), "\(resumed.stderr)")
        #expect(try f.sql("SELECT group_concat(round || ':' || participants) FROM (SELECT * FROM rounds WHERE run=1 ORDER BY round)") == "1:5,2:5,3:5,4:5")
        #expect(Self.aggregatorProcesses(under: f.localRoot.path).isEmpty)
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    /// The run's final global model, read from the model store as F32 safetensors.
    static func finalModel(_ f: Federation) throws -> [String: [Float]] {
        let id = try f.sql("SELECT json_extract(attributes, '$.observed.finalModel') FROM resources WHERE address='run.1'")
        let bytes = try [UInt8](Data(contentsOf: f.dir.url.appendingPathComponent(".fedplane/quickstart-models/\(id.prefix(2))/\(id).safetensors")))
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any] ?? [:]
        var out: [String: [Float]] = [:]
        for (name, v) in header where name != "__metadata__" {
            let info = v as! [String: Any], offsets = info["data_offsets"] as! [Int]
            #expect(info["dtype"] as? String == "F32")
            let data = Array(bytes[(8 + n + offsets[0])..<(8 + n + offsets[1])])
            out[name] = stride(from: 0, to: data.count, by: 4).map { i in
                Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
            }
        }
        return out
    }

    /// Running `fedplane aggregator` processes whose launch file is under `root`.
    static func aggregatorProcesses(under root: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid in
            guard Int(pid) != nil, let raw = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return nil }
            let cmd = String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return cmd.contains(" aggregator ") && cmd.contains(root) ? cmd : nil
        }
    }
}
