import Foundation
import Testing

/// `fedplane audit`: every apply and destroy, who ran it, from where, with which plan, and how it ended.
@Suite struct AuditTests {
    func operations(_ f: Federation) throws -> [[String: Any]] {
        let out = try f.run(["audit", "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        return try #require(doc["operations"] as? [[String: Any]])
    }

    @Test func appliesAndDestroysAreRecordedWithTheirPlanAndResult() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 1") }
        let none = try f.run(["audit"])
        #expect(none.status == 1 && none.stderr.contains("nothing was applied yet"), "\(none.stderr)")

        // A saved plan: the audit trail carries the checksum that the plan file carries.
        let planPath = f.dir.url.appendingPathComponent("first.plan").path
        #expect(try f.run(["plan", "--out", planPath]).status == 0)
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: planPath))) as? [String: Any])
        let checksum = try #require(envelope["checksum"] as? String)
        let applied = try f.run(["apply", planPath])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try f.run(["destroy", "--auto-approve"]).status == 0)

        let ops = try operations(f)
        #expect(ops.count == 2)
        let first = try #require(ops.first), second = try #require(ops.last)
        #expect(first["operation"] as? String == "apply")
        #expect(first["result"] as? String == "succeeded")
        #expect(first["plan_checksum"] as? String == checksum)
        #expect((first["plan_summary"] as? String)?.hasPrefix("Plan: ") == true)
        let host = try #require(first["host"] as? String)
        #expect(!host.isEmpty && first["who"] as? String == "\(first["who"] as? String ?? "")" && (first["who"] as? String)?.hasSuffix("@\(host)") == true)
        #expect(first["pid"] as? Int ?? 0 > 0)
        let steps = try #require(first["steps"] as? [String: Any])
        #expect(steps["total"] as? Int ?? 0 > 0 && steps["total"] as? Int == steps["succeeded"] as? Int)
        #expect(second["operation"] as? String == "destroy")
        #expect(second["result"] as? String == "succeeded")
        #expect(second["plan_checksum"] as? String != checksum)

        let human = try f.run(["audit"])
        #expect(human.stdout.contains("apply") && human.stdout.contains("destroy") && human.stdout.contains("succeeded"), "\(human.stdout)")
    }

    /// An apply killed outright (SIGKILL) mid-way stays `running` in the trail: its process is
    /// gone, and the next plan reconciles what it left.
    @Test func aKilledApplyStaysRunning() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 1") }
        let (p, _, _) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_CRASH_AT": "2:after"])
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL)
        let ops = try operations(f)
        #expect(ops.count == 1)
        #expect(ops.first?["result"] as? String == "running")
        #expect(ops.first?["finished"] is NSNull)
        let steps = try #require(ops.first?["steps"] as? [String: Any])
        #expect(steps["total"] as? Int == 2 && steps["succeeded"] as? Int == 1)
    }
}
