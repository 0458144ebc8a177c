import Foundation
import Testing

/// Crashes, locks and damaged files, with real processes of the built binary.
@Suite struct FaultTests {
    /// Kills a real apply with SIGKILL at several steps, before and after the side effect, and
    /// checks the state survives and the next runs reconcile to the spec.
    @Test(arguments: ["1:before", "1:after", "5:before", "5:after", "8:after", "11:before"])
    func applyKilledAtAStepIsReconciled(_ point: String) throws {
        let f = try Federation()
        let (p, _, _) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_CRASH_AT": point])
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL, "apply was not killed at \(point)")

        #expect(try f.sql("PRAGMA integrity_check") == "ok")
        // Every resource that really exists is in the state (no orphan the next run cannot see).
        let recorded = Set(try f.sql("SELECT address FROM resources").split(separator: "\n").map(String.init))
        #expect(f.localResources().isSubset(of: recorded), "orphans: \(f.localResources().subtracting(recorded))")
        #expect(try f.sql("SELECT count(*) FROM apply_journal WHERE status='started'") == "1")

        // The dead apply's lock is reported as stale, with the way out.
        let blocked = try f.run(["apply", "--auto-approve"])
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("stale"), "\(blocked.stderr)")
        let lockID = try f.sql("SELECT lock_id FROM lock")
        #expect(blocked.stderr.contains("fedplane force-unlock \(lockID)"))
        #expect(try f.run(["force-unlock", lockID]).status == 0)

        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.status == 0)
        // The step that was cut short is reconciled by asking the provider what exists.
        let expected = point.hasSuffix(":after")
            ? "an interrupted apply created it without recording it; adopt it"
            : "an interrupted apply announced it but did not create it"
        #expect(plan.stdout.contains(expected), "\(plan.stdout)")
        let finish = try f.run(["apply", "--auto-approve"])
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
        #expect(f.localResources().count == 11)
        #expect(try f.sql("SELECT count(*) FROM resources WHERE provider_id IS NULL") == "0")
    }

    @Test func twoConcurrentAppliesExactlyOneWins() throws {
        let f = try Federation()
        let (slow, slowOut, _) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_STEP_DELAY_MS": "150"])
        // Wait until the first apply holds the lock.
        var waited = 0
        while waited < 200, (try? f.sql("SELECT count(*) FROM lock")) != "1" { usleep(50_000); waited += 1 }
        let second = try f.run(["apply", "--auto-approve"])
        slow.waitUntilExit()
        #expect(slow.terminationStatus == 0)
        #expect(String(decoding: slowOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("Apply complete!"))
        #expect(second.status == 1)
        #expect(second.stderr.contains("state is locked by"), "\(second.stderr)")
        #expect(second.stderr.contains("operation apply"))
        #expect(f.localResources().count == 11)
    }

    @Test func lockTimeoutWaitsForTheHolder() throws {
        let f = try Federation()
        let (slow, _, _) = try f.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_STEP_DELAY_MS": "100"])
        var waited = 0
        while waited < 200, (try? f.sql("SELECT count(*) FROM lock")) != "1" { usleep(50_000); waited += 1 }
        let patient = try f.run(["apply", "--auto-approve", "--lock-timeout", "30s"])
        slow.waitUntilExit()
        #expect(slow.terminationStatus == 0)
        #expect(patient.status == 0, "\(patient.stderr)")
        #expect(patient.stdout.contains("No changes."))
    }

    @Test func corruptedAndTruncatedStateIsRefusedUntouched() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        // A second, changing apply: its .backup is the full state as the first apply left it.
        try f.editSpec(PlanApplyTests.vmOneInactive)
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        let url = URL(fileURLWithPath: f.statePath)
        let original = try Data(contentsOf: url)
        for damaged in [original.prefix(original.count / 2), Data(repeating: 0x5A, count: 8192)] {
            try damaged.write(to: url)
            let r = try f.run(["plan"])
            #expect(r.status == 1)
            #expect(r.stderr.contains(f.statePath), "\(r.stderr)")
            #expect(r.stderr.contains("cp \(f.statePath).backup \(f.statePath)"), "\(r.stderr)")
            #expect(try Data(contentsOf: url) == damaged, "the damaged state was modified")
            #expect(try f.run(["apply", "--auto-approve"]).status == 1)
            #expect(try Data(contentsOf: url) == damaged)
        }
        // The recovery the message gives works.
        try? FileManager.default.removeItem(atPath: f.statePath + "-wal")
        try? FileManager.default.removeItem(atPath: f.statePath + "-shm")
        try FileManager.default.removeItem(at: url)
        try FileManager.default.copyItem(atPath: f.statePath + ".backup", toPath: f.statePath)
        let restored = try f.run(["plan", "--detailed-exitcode"])
        #expect(restored.status == 2)
        #expect(restored.stdout.contains("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy."), "\(restored.stdout)")
    }

    @Test func stateFromANewerFedplaneIsRefused() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        _ = try f.sql("UPDATE meta SET schema_version = 99")
        _ = try f.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        let r = try f.run(["plan"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("newer fedplane"), "\(r.stderr)")
    }

    @Test func renamedFederationAgainstAnExistingStateIsRefused() throws {
        let f = try Federation()
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        try f.editSpec { $0.replacingOccurrences(of: "  name: quickstart", with: "  name: renamed") }
        let r = try f.run(["apply", "--auto-approve", "--state", f.statePath])
        #expect(r.status == 1)
        #expect(r.stderr.contains("quickstart") && r.stderr.contains("renamed"), "\(r.stderr)")
        #expect(f.localResources().count == 11, "resources were destroyed")
        #expect(try f.sql("SELECT count(*) FROM resources") == "18")
    }

    @Test func planWithANonLocalProviderSaysWhatIsMissing() throws {
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "hospital-a: { provider: local }", with: "hospital-a: { provider: openstack }")
        let f = try Federation(text)
        let r = try f.run(["plan"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning: clouds.hospital-a: the openstack provider is not available in this fedplane yet (available: local); apply will stop here"), "\(r.stderr)")
        let apply = try f.run(["apply", "--auto-approve"])
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("clouds.hospital-a: the openstack provider is not available in this fedplane yet (available: local)"), "\(apply.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.statePath), "a refused apply left a state")
    }

    @Test func participantWithNoEligibleVMIsAPlanErrorNamingEachVM() throws {
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "      - { id: vm-001, <<: *worker }\n      - { id: vm-002, vcpu: 1",
                                  with: "      - { id: vm-001, <<: *worker, state: inactive }\n      - { id: vm-002, vcpu: 1")
        let f = try Federation(text)
        let r = try f.run(["plan"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("participants[2].vms: participant hospital-c has no eligible VM: vm-001 is inactive; vm-002 is below the minimum (1 vCPU < 2, 2 GiB memory < 4)"), "\(r.stderr)")
    }

    /// The local aggregator's port is reserved when it is created and bound only when a run
    /// starts. It is picked below the kernel's ephemeral range (a released bind(0) port was once
    /// taken in between by a test server that asked for any port), and a process that takes it
    /// anyway is named as the cause, with the way out.
    @Test func aLocalAggregatorPortTakenSinceItsCreationIsReportedAndFreeingItIsEnough() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 1") }
        #expect(try f.run(["apply", "--auto-approve", "--target", "aggregator.main"]).status == 0)
        let port = try #require(Int(try f.sql("SELECT json_extract(attributes, '$.observed.port') FROM resources WHERE address = 'aggregator.main'")))
        let ephemeral = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let ephemeralLow = try #require(ephemeral.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) })
        // (A machine whose ephemeral range starts below 11000 leaves no room under it.)
        #expect(ephemeralLow < 11000 || port >= 10000 && port < ephemeralLow, "port \(port) is in the ephemeral range from \(ephemeralLow)")

        let holder = try #require(Listener(port: port))
        let blocked = try f.run(["apply", "--auto-approve"])
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("aggregator.main cannot listen on 127.0.0.1:\(port), the port recorded for it: another process holds it (`ss -ltnp 'sport = :\(port)'` names it); stop that process and apply again"), "\(blocked.stderr)")
        holder.close()
        let again = try f.run(["apply", "--auto-approve"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("round 1/1: 3 participants"), "\(again.stderr)")
    }
}

/// A TCP listener on 127.0.0.1 held by the test (another process, as far as fedplane can tell).
final class Listener {
    private var fd: Int32

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 1) == 0 else { Glibc.close(fd); return nil }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
