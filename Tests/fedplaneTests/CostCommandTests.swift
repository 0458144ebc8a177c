import FedPostgresTestSupport
import Foundation
import Testing
import FedTestSupport

/// `fedplane cost` after real applies on the local provider: every run records the bytes each
/// participant moved per round and the aggregator's running time, the prediction made when it
/// started, and the next plan estimates the duration from the measured rounds.
@Suite struct CostCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func realRunsRecordWhatTheyUsedAndCostComparesIt() async throws { try await offPool { try Self().realRunsBody() } }
    func realRunsBody() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 2") }
        let none = try f.run(["cost"])
        #expect(none.status == 0 && none.stdout.contains("No finished training run"), "\(none.stdout)\(none.stderr)")

        let apply = try f.run(["apply", "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stderr)")

        // Bytes per participant per round: rounds 1–2 and the final evaluation pass (3), each
        // participant served the global model that entered the round, and sending an update of
        // the same tensors in rounds 1–2.
        let rows = try f.sql("""
            SELECT t.round, t.participant, t.bytes_up, t.bytes_down, m.size_bytes FROM round_traffic t
            JOIN models m ON m.run = t.run AND m.round = t.round - 1 WHERE t.run = 1 ORDER BY t.round, t.participant
            """).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        #expect(rows.count == 9, "\(rows)")
        for r in rows {
            let (round, up, down, size) = (Int(r[0])!, Int(r[2])!, Int(r[3])!, Int(r[4])!)
            #expect(size > 0 && down >= size && down % size == 0, "\(r)")
            if round <= 2 {
                #expect(up > size / 2 && up < size * 2 && up + down > size, "\(r)")
            } else {
                #expect(up == 0, "the evaluation pass sends no update: \(r)")
            }
        }
        let sessions = try f.sql("SELECT count(*), sum(stopped_at IS NOT NULL), sum(stopped_at > started_at) FROM aggregator_sessions WHERE run = 1")
        #expect(sessions == "1|1|1")
        #expect(try f.sql("SELECT json_extract(prediction, '$.duration.rule') FROM run_predictions WHERE run = 1") == "round-deadline")

        let text = try f.run(["cost"])
        #expect(text.status == 0, "\(text.stderr)")
        for needle in ["run 1 — succeeded, 2 rounds", "duration rule: rounds × roundDeadline: 2 × 60 s = 120 s",
                       "duration (aggregator running)", "aggregator VM-hours", "aggregator compute", "egress hospital-a (volume)",
                       "egress total (volume)", "egress cost", "no catalog price"] {
            #expect(text.stdout.contains(needle), "\(needle) missing from:\n\(text.stdout)")
        }
        let report = try Self.json(try f.run(["cost", "--json", "--run", "1"]).stdout)
        let run = try #require((report["runs"] as? [[String: Any]])?.first)
        let actual = try #require(run["actual"] as? [String: Any])
        #expect((actual["aggregator_hours"] as? Double).map { $0 > 0 } == true)
        #expect((actual["participants"] as? [[String: Any]])?.count == 3)
        #expect((run["predicted"] as? [String: Any])?["duration_rule"] as? String == "round-deadline")
        let missing = try f.run(["cost", "--run", "7"])
        #expect(missing.status == 1 && missing.stderr.contains("run 7 is not recorded"), "\(missing.stderr)")

        // The next plan estimates from run 1's rounds; a new run's prediction uses that rule.
        let plan = try f.run(["plan"])
        #expect(plan.stdout.contains("Run duration: estimated from run 1's measured rounds: median round"), "\(plan.stdout)")
        let planJSON = try Self.json(try f.run(["plan", "--json"]).stdout)
        #expect(((planJSON["placement"] as? [String: Any])?["duration_estimate"] as? String)?.hasPrefix("estimated from run 1") == true)
        try f.editSpec { $0.replacingOccurrences(of: "learningRate: 0.2", with: "learningRate: 0.1") }
        let second = try f.run(["apply", "--auto-approve"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try f.sql("SELECT json_extract(prediction, '$.duration.rule'), json_extract(prediction, '$.duration.based_on_run') FROM run_predictions WHERE run = 2") == "measured|1")
        let both = try f.run(["cost"])
        #expect(both.stdout.contains("run 2 — succeeded") && both.stdout.contains("estimated from run 1's measured rounds"), "\(both.stdout)")
        for o in [none, apply, text, both, plan] {
            #expect(!o.stdout.contains("PRIVATE KEY") && !o.stderr.contains("PRIVATE KEY"))
        }

        // `optimize` prices runs over the same measured duration as `plan` (aws candidates, so
        // there are prices; a spec beside no state keeps the deadline rule).
        try f.editSpec {
            $0.replacingOccurrences(of: "  lab:        { provider: local }\n", with: "  lab:        { provider: local }\n  aws: { provider: aws, credentials: { env: [UNSET_KEY, UNSET_SECRET] } }\n")
                .replacingOccurrences(of: "    clouds: [lab]\n", with: "    clouds: [aws]\n    regions: [us-east-1]\n")
        }
        let measured = try f.run(["optimize", "--no-color"])
        #expect(measured.status == 0 && measured.stdout.contains("Run duration: estimated from run 2's measured rounds"), "\(measured.stdout)\(measured.stderr)")
        let fresh = try Federation(try String(contentsOf: f.spec, encoding: .utf8))
        let deadline = try fresh.run(["optimize", "--no-color"])
        #expect(deadline.status == 0 && !deadline.stdout.contains("Run duration:"), "\(deadline.stdout)\(deadline.stderr)")
        // Seconds of measured rounds price differently from rounds × 60 s deadlines.
        let table = measured.stdout.components(separatedBy: "\nRun duration:")[0]
        #expect(table.contains("Chosen") && table != deadline.stdout, "\(measured.stdout)\n\(deadline.stdout)")
    }

    /// The same records in a PostgreSQL state; the URL's password never shows.
    @Test func postgresStateRecordsTheSame() async throws { try await offPool { try Self().postgresBody() } }
    func postgresBody() throws {
        let server = try PostgresServer.shared()
        let url = try server.createDatabase()
        let database = String(url.split(separator: "/").last!)
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 1") }
        let env = ["FEDPLANE_STATE": url]
        let apply = try f.run(["apply", "--auto-approve"], env: env)
        #expect(apply.status == 0, "\(apply.stderr)")
        let traffic = try server.psql("SELECT count(*), min(bytes_down) > 0 FROM fedplane_quickstart.round_traffic WHERE run = 1", database: database)
        #expect(traffic.trimmingCharacters(in: .whitespacesAndNewlines) == "6|t")
        let sessions = try server.psql("SELECT count(*) FROM fedplane_quickstart.aggregator_sessions WHERE stopped_at IS NOT NULL", database: database)
        #expect(sessions.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        let cost = try f.run(["cost", "--json"], env: env)
        #expect(cost.status == 0, "\(cost.stderr)")
        let run = try #require((try Self.json(cost.stdout)["runs"] as? [[String: Any]])?.first)
        #expect(((run["actual"] as? [String: Any])?["aggregator_hours"] as? Double).map { $0 > 0 } == true)
        for o in [apply, cost] {
            #expect(!o.stdout.contains(PostgresServer.password) && !o.stderr.contains(PostgresServer.password))
        }
    }
}
