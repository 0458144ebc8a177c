import Foundation
import Testing

/// The orchestrator inside plan and apply, on real local VMs (directories the local provider
/// makes; a `FAIL` file makes one fail its health probe, a `HANG` file makes it hang).
@Suite struct OrchestrationTests {
    func vmDir(_ f: Federation, _ participant: String, _ vm: String) -> URL {
        f.localRoot.appendingPathComponent("participant/\(participant)/vms/\(vm)")
    }

    @Test func participantVMsAreRealDirectoriesThatFollowTheInventory() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        for p in ["hospital-a", "hospital-b", "hospital-c"] {
            #expect(FileManager.default.fileExists(atPath: vmDir(f, p, "vm-001").path))
            #expect(FileManager.default.fileExists(atPath: vmDir(f, p, "vm-002").path))
        }
        // The probe at apply left a heartbeat on the VM that took the task.
        #expect(FileManager.default.fileExists(atPath: vmDir(f, "hospital-a", "vm-001").appendingPathComponent("heartbeat").path))
        try f.editSpec { $0.replacingOccurrences(of: "      - { id: vm-002, <<: *worker }\n  - name: hospital-b", with: "  - name: hospital-b") }
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: vmDir(f, "hospital-a", "vm-002").path))
    }

    @Test func aFailingVMMovesTheAssignmentInThePlanWithItsReason() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try Data("disk full".utf8).write(to: vmDir(f, "hospital-b", "vm-001").appendingPathComponent("FAIL"))
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("  ~ assignment.hospital-b\n      # vm-001 → vm-002 (vm-001 failed its health probe: disk full)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."))
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        #expect(try f.sql("SELECT vm_id FROM assignments WHERE participant='hospital-b'") == "vm-002")
        // The VM recovers: the assignment stays where it is (no reason to move), until vm-002 fails.
        try FileManager.default.removeItem(at: vmDir(f, "hospital-b", "vm-001").appendingPathComponent("FAIL"))
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func anAssignedVMThatLeavesTheInventoryIsReassignedWithAReason() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try f.editSpec { $0.replacingOccurrences(of: "      - { id: vm-001, <<: *worker }\n      - { id: vm-002, <<: *worker }\n  - name: hospital-c",
                                                 with: "      - { id: vm-002, <<: *worker }\n  - name: hospital-c") }
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("  ~ assignment.hospital-b\n      # vm-001 → vm-002 (vm-001 is no longer in the inventory)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("  ~ participant.hospital-b\n      # vms: vm-001 removed"))
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func theQueueCursorIsKeptInStateAndRotates() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        // Every task of the run moved hospital-a's queue (vm-001 and vm-002 are positions 0 and 1).
        let cursor = try #require(Int(try f.sql("SELECT cursor FROM queue_cursors WHERE participant='hospital-a'")))
        let next = "vm-00\(cursor % 2 + 1)", after = "\((cursor % 2 + 1) % 2)"
        // Forget the assignment: the next one comes from the queue, not from the top of the list.
        #expect(try f.run(["state", "rm", "assignment.hospital-a"]).status == 0)
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("  + assignment.hospital-a\n      # not in state yet\n      # \(next) is next in the participant's circular queue"), "\(plan.stdout)")
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        #expect(try f.sql("SELECT vm_id FROM assignments WHERE participant='hospital-a'") == next)
        #expect(try f.sql("SELECT cursor FROM queue_cursors WHERE participant='hospital-a'") == after)
    }

    @Test func applyRetriesOnTheNextVMWhenThePlannedOneFails() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try f.editSpec(PlanApplyTests.vmOneInactive)   // hospital-a: vm-001 inactive → plan moves it to vm-002
        #expect(try f.run(["plan", "--out", "move.fpl"]).status == 0)
        // Between plan and apply, vm-002 breaks: the orchestrator tries it, then the next VM.
        try Data("kernel panic".utf8).write(to: vmDir(f, "hospital-a", "vm-002").appendingPathComponent("FAIL"))
        let r = try f.run(["apply", "move.fpl"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        // vm-001 is inactive and vm-002 failed: nothing can take the task, and the error says why for each.
        #expect(r.stderr.contains("no VM of participant hospital-a can take its task"), "\(r.stderr)")
        #expect(r.stderr.contains("vm-002 failed: kernel panic"), "\(r.stderr)")
        #expect(r.stderr.contains("vm-001 is inactive"), "\(r.stderr)")
    }

    @Test func hangingPlannedVMAtApplyTimesOutThenMoves() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "taskTimeout: 30s", with: "taskTimeout: 3s") }
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try f.editSpec { $0.replacingOccurrences(of: "      - { id: vm-001, <<: *worker }\n      - { id: vm-002, <<: *worker }\n  - name: hospital-b",
                                                 with: "      - { id: vm-001, <<: *worker, state: inactive }\n      - { id: vm-002, <<: *worker }\n      - { id: vm-003, <<: *worker }\n  - name: hospital-b") }
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)   // vm-002 now, vm-003 provisioned
        try f.editSpec { $0.replacingOccurrences(of: "      - { id: vm-002, <<: *worker }\n      - { id: vm-003, <<: *worker }\n  - name: hospital-b",
                                                 with: "      - { id: vm-002, <<: *worker, state: inactive }\n      - { id: vm-003, <<: *worker }\n      - { id: vm-004, <<: *worker }\n  - name: hospital-b") }
        // Plan moves hospital-a to vm-003 (next in the queue); then vm-003 hangs before apply.
        #expect(try f.run(["plan", "--out", "p.fpl"]).status == 0)
        try Data().write(to: vmDir(f, "hospital-a", "vm-003").appendingPathComponent("HANG"))
        let r = try f.run(["apply", "p.fpl"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try f.sql("SELECT vm_id FROM assignments WHERE participant='hospital-a'") == "vm-004")
        let reason = try f.sql("SELECT reason FROM assignments WHERE participant='hospital-a'")
        #expect(reason.contains("vm-003 timed out after 3s") && reason.contains("vm-004 took the task"), "\(reason)")
    }

    @Test func simulateUsesTheOrchestratorAndReproducesTheStudy() throws {
        let r = try CLI.run(["simulate", "orchestrator", "-f", "specs/covid19-multicloud.yaml", "--rounds", "20", "--seed", "1",
                             "--failure-probability", "0"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n")
        #expect(rows.contains { $0.hasPrefix("orchestrator") && $0.contains("0.0%") && $0.contains("100.0%") && $0.contains("20/20") })
        #expect(rows.contains { $0.hasPrefix("baseline") && $0.contains("60.0%") && $0.contains("40.0%") })
        let json = try CLI.run(["simulate", "orchestrator", "-f", "specs/covid19-multicloud.yaml", "--seed", "7", "--json"])
        let again = try CLI.run(["simulate", "orchestrator", "-f", "specs/covid19-multicloud.yaml", "--seed", "7", "--json"])
        #expect(json.status == 0 && json.stdout == again.stdout)
        #expect(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) is [String: Any])
    }
}
