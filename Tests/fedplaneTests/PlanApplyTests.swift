import Foundation
import Testing

/// The plan/apply cycle on the quick start, with real processes of the built binary.
@Suite struct PlanApplyTests {
    static let vmOneInactive: @Sendable (String) -> String = {
        $0.replacingOccurrences(of: "      - { id: vm-001, <<: *worker }\n      - { id: vm-002, <<: *worker }\n  - name: hospital-b",
                                with: "      - { id: vm-001, <<: *worker, state: inactive }\n      - { id: vm-002, <<: *worker }\n  - name: hospital-b")
    }

    @Test func planApplyEditStaleDestroy() throws {
        let f = try Federation()
        let first = try f.run(["plan", "--detailed-exitcode"])
        #expect(first.status == 2, "\(first.stderr)")
        #expect(first.stdout.contains("Plan: 18 to add, 0 to change, 0 to replace, 0 to destroy."))
        #expect(!FileManager.default.fileExists(atPath: f.statePath), "plan wrote a state")

        let applied = try f.run(["apply", "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("Apply complete! Resources: 18 added, 0 changed, 0 replaced, 0 destroyed."))
        #expect(f.localResources().count == 11)

        let again = try f.run(["plan", "--detailed-exitcode"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("No changes. The federation matches the spec."))

        // A saved plan made now goes stale when anything else is applied first.
        #expect(try f.run(["plan", "--out", "early.fpl"]).status == 0)

        try f.editSpec(Self.vmOneInactive)
        let edited = try f.run(["plan", "--detailed-exitcode", "--no-color"])
        #expect(edited.status == 2)
        let actionLines = edited.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("      ") }
        #expect(actionLines == ["  ~ participant.hospital-a", "  ~ assignment.hospital-a"])
        #expect(edited.stdout.contains("      # vm-001 → vm-002 (vm-001 is inactive)"))
        #expect(edited.stdout.contains("      # vms: vm-001 state \"active\" → \"inactive\""))
        #expect(edited.stdout.contains("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy."))

        #expect(try f.run(["plan", "--out", "edit.fpl"]).status == 0)
        let serialBefore = try f.sql("SELECT serial FROM meta")
        let applyEdit = try f.run(["apply", "edit.fpl"])
        #expect(applyEdit.status == 0, "\(applyEdit.stderr)")
        #expect(try f.sql("SELECT vm_id FROM assignments WHERE participant='hospital-a'") == "vm-002")

        let stale = try f.run(["apply", "edit.fpl"])
        #expect(stale.status == 1)
        let serialNow = try f.sql("SELECT serial FROM meta")
        #expect(stale.stderr.contains("stale plan: state serial is \(serialNow), plan was made at \(serialBefore)"), "\(stale.stderr)")
        #expect(try f.run(["apply", "early.fpl"]).status == 1)
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)

        let destroyed = try f.run(["destroy", "--auto-approve"])
        #expect(destroyed.status == 0, "\(destroyed.stderr)")
        #expect(destroyed.stdout.contains("Destroy complete! Resources: 0 added, 0 changed, 0 replaced, 18 destroyed."))
        #expect(try f.run(["state", "list"]).stdout.isEmpty)
        #expect(f.localResources().isEmpty)
        #expect(try f.run(["show"]).stdout.contains("The state holds no resources."))
    }

    @Test func planIsByteIdenticalAndWritesNothing() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try f.editSpec(Self.vmOneInactive)
        let before = try f.dir.listing()
        let a = try f.run(["plan", "--json"])
        let b = try f.run(["plan", "--json"])
        #expect(a.status == 0 && a.stdout == b.stdout)
        #expect(try f.dir.listing() == before)
        #expect(try f.run(["plan", "--out", "1.fpl"]).stdout == (try f.run(["plan", "--out", "2.fpl"]).stdout.replacingOccurrences(of: "2.fpl", with: "1.fpl")))
        #expect(try Data(contentsOf: f.dir.url.appendingPathComponent("1.fpl")) == (try Data(contentsOf: f.dir.url.appendingPathComponent("2.fpl"))))
    }

    @Test func jsonPlanFollowsTheDocumentedFormat() throws {
        let f = try Federation()
        let r = try f.run(["plan", "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(doc["format_version"] as? String == "1.0")
        #expect(doc["federation"] as? String == "quickstart")
        #expect((doc["state"] as? [String: Any])?["serial"] as? Int == 0)
        let changes = try #require(doc["resource_changes"] as? [[String: Any]])
        #expect(changes.count == 18)
        let agg = try #require(changes.first { $0["address"] as? String == "aggregator.main" })
        #expect(agg["actions"] as? [String] == ["create"])
        #expect(agg["depends_on"] as? [String] == ["cloud.lab"])
        #expect(agg["before"] is NSNull)
        #expect((agg["after"] as? [String: Any])?["cloud"] as? String == "lab")
        #expect((doc["summary"] as? [String: Int]) == ["add": 18, "change": 0, "replace": 0, "destroy": 0])
        #expect((doc["placement"] as? [String: Any])?["cloud"] as? String == "lab")
    }

    @Test func applyWithoutATerminalRefusesAndLeavesNothing() throws {
        let f = try Federation()
        let before = try f.dir.listing()
        let r = try f.run(["apply"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("apply needs confirmation and there is no terminal to ask on; nothing was changed"))
        #expect(try f.dir.listing() == before)
        #expect(try f.run(["destroy"]).stdout.contains("nothing to destroy"))
    }

    @Test func editedPlanFileIsRefused() throws {
        let f = try Federation()
        #expect(try f.run(["plan", "--out", "p.fpl"]).status == 0)
        let url = f.dir.url.appendingPathComponent("p.fpl")
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"vm-001\"", with: "\"vm-002\"")
        try Data(text.utf8).write(to: url)
        let r = try f.run(["apply", "p.fpl"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("plan file p.fpl cannot be applied: checksum mismatch"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.statePath))
        try Data("not a plan".utf8).write(to: url)
        #expect(try f.run(["apply", "p.fpl"]).stderr.contains("it is not a fedplane plan file"))
    }

    @Test func driftIsPlannedForRecreationAndRefreshRecordsIt() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try FileManager.default.removeItem(at: f.localRoot.appendingPathComponent("participant/hospital-b"))
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("  + participant.hospital-b\n      # it no longer exists at the local provider (deleted outside fedplane)"))
        let refresh = try f.run(["refresh"])
        #expect(refresh.stdout.contains("- participant.hospital-b: deleted outside fedplane"))
        #expect(try !f.run(["state", "list"]).stdout.contains("participant.hospital-b"))
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func removingAParticipantDestroysItsResourcesDependantsFirst() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try f.editSpec { text in
            let start = text.range(of: "  - name: hospital-c")!.lowerBound
            let end = text.range(of: "\ntraining:")!.lowerBound
            return String(text[..<start]) + String(text[end...]).dropFirst()
                .replacingOccurrences(of: "  hospital-c: { provider: local }\n", with: "")
        }
        let r = try f.run(["apply", "--auto-approve"])
        #expect(r.status == 0, "\(r.stderr)")
        let order = r.stderr.split(separator: "\n").filter { $0.hasSuffix("destroying…") }
        // Its certificate (which depends on it) goes first: the participant is revoked.
        #expect(order == ["certificate.participant-hospital-c: destroying…", "assignment.hospital-c: destroying…",
                          "participant.hospital-c: destroying…", "cloud.hospital-c: destroying…"])
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func stateCommands() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        let show = try f.run(["state", "show", "aggregator.main"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("endpoint") && show.stdout.contains("https://127.0.0.1:"))
        let json = try f.run(["show", "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((doc["resources"] as? [Any])?.count == 18)
        #expect(try f.run(["state", "show", "aggregator.nope"]).status == 1)
        let rm = try f.run(["state", "rm", "assignment.hospital-a"])
        #expect(rm.status == 0, "\(rm.stderr)")
        #expect(try f.sql("SELECT count(*) FROM assignments WHERE participant='hospital-a'") == "0")
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("  + assignment.hospital-a"))
    }
}

/// The confirmation prompt on a real terminal (util-linux `script` gives the process a pty).
@Suite struct ConfirmationTests {
    func onTerminal(_ f: Federation, _ args: String, answer: String) throws -> CLI.Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", "\(CLI.binary.path) \(args) -f \(f.spec.path) --no-color", "/dev/null"]
        p.currentDirectoryURL = f.dir.url
        let input = Pipe(), out = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = out
        try p.run()
        input.fileHandleForWriting.write(Data((answer + "\n").utf8))
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return CLI.Output(status: p.terminationStatus, stdout: text, stderr: "")
    }

    @Test func onlyYesApproves() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let f = try Federation()
        let no = try onTerminal(f, "apply", answer: "y")
        #expect(no.status == 1)
        #expect(no.stdout.contains("Only 'yes' will be accepted to approve."))
        #expect(no.stdout.contains("Cancelled: nothing was changed."))
        #expect(!FileManager.default.fileExists(atPath: f.statePath))
        let yes = try onTerminal(f, "apply", answer: "yes")
        #expect(yes.status == 0, "\(yes.stdout)")
        #expect(yes.stdout.contains("Apply complete! Resources: 18 added"))
        let destroy = try onTerminal(f, "destroy", answer: "yes")
        #expect(destroy.stdout.contains("Destroy all resources of quickstart?"))
        #expect(destroy.stdout.contains("Destroy complete! Resources: 0 added, 0 changed, 0 replaced, 18 destroyed."))
    }
}
