import Foundation
import Testing

/// Trust between parties, end to end through the real binary: the quick start over mutual TLS,
/// a hostile participant (a real agent process that tampers with its update), revocation of a
/// removed participant, certificate rotation in the plan, and private files whatever the umask.
@Suite struct SecurityTests {
    func aggregatorLog(_ f: Federation) -> String {
        (try? String(contentsOf: f.localRoot.appendingPathComponent("aggregator/main/aggregator.log"), encoding: .utf8)) ?? ""
    }

    @Test(arguments: ["nan", "inf", "samples", "names"])
    func aHostileParticipantCannotPoisonTheRun(_ poison: String) throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 2") }
        let r = try f.run(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_AGENT_POISON": "hospital-c:\(poison)"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("round ") }
        #expect(lines.count == 2, "\(r.stderr)")
        for l in lines { #expect(l.contains(": 2 participants") && l.contains("dropped out: hospital-c"), "\(l)") }
        #expect(try f.sql("SELECT status FROM runs WHERE run=1") == "succeeded")
        // Refused with the participant and the reason in the aggregator's log.
        let log = aggregatorLog(f)
        #expect(log.contains("refused an update from participant hospital-c"), "\(log)")
        // Nothing bad was stored: the state takes a further run.
        try f.editSpec { $0.replacingOccurrences(of: "learningRate: 0.2", with: "learningRate: 0.1") }
        let next = try f.run(["apply", "--auto-approve"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("round 2/2: 3 participants"), "\(next.stderr)")
    }

    @Test func aRemovedParticipantIsRevokedAndAnAddedOneGetsACertificate() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 1") }
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        let pki = f.dir.url.appendingPathComponent(".fedplane/quickstart-pki")
        let oldCert = try String(contentsOf: pki.appendingPathComponent("participant-hospital-c.crt"), encoding: .utf8)
        try f.editSpec { text in
            let start = text.range(of: "  - name: hospital-c")!.lowerBound
            let end = text.range(of: "\ntraining:")!.lowerBound
            return String(text[..<start]) + String(text[end...]).dropFirst().description
        }
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("  - certificate.participant-hospital-c\n      # no longer in the spec"), "\(plan.stdout)")
        #expect(plan.stdout.contains("  + run.2"), "\(plan.stdout)")
        let applied = try f.run(["apply", "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pki.appendingPathComponent("participant-hospital-c.key").path))
        // Run 2's aggregator admits a, b and the coordinator only.
        let launch = try String(contentsOf: f.localRoot.appendingPathComponent("run/2/aggregator.json"), encoding: .utf8)
        #expect(!launch.contains("hospital-c") && launch.contains("participant:hospital-b") && launch.contains("coordinator"))
        #expect(!oldCert.isEmpty)
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func planRotatesACertificateNearItsExpiry() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 1") }
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        let before = try f.sql("SELECT json_extract(attributes, '$.observed.fingerprint') FROM resources WHERE address='certificate.participant-hospital-a'")
        // As if a year had passed: the state says it expires in 5 days.
        let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(5 * 86_400 + 3_600))
        _ = try f.sql("UPDATE resources SET attributes = json_set(attributes, '$.observed.notAfter', '\(soon)') WHERE address='certificate.participant-hospital-a'")
        let plan = try f.run(["plan", "--no-color"])
        #expect(plan.stdout.contains("-/+ certificate.participant-hospital-a"), "\(plan.stdout)")
        #expect(plan.stdout.contains("in 5 days, within the 30-day rotation threshold"), "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy."), "\(plan.stdout)")
        #expect(try f.run(["apply", "--auto-approve"]).status == 0)
        let after = try f.sql("SELECT json_extract(attributes, '$.observed.fingerprint') FROM resources WHERE address='certificate.participant-hospital-a'")
        #expect(after != before && after.hasPrefix("sha256:"))
        #expect(try f.run(["plan", "--detailed-exitcode"]).status == 0)
    }

    @Test func stateFilesArePrivateWhateverTheUmaskAndWiderOnesAreReported() throws {
        let f = try Federation()
        try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: 1") }
        // umask 000 would make everything world-writable by default.
        for args in [["apply", "--auto-approve"], ["plan", "--out", "saved.fpl"]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "umask 000; exec \"$0\" \"$@\"", CLI.binary.path] + args + ["-f", f.spec.path]
            p.currentDirectoryURL = f.dir.url
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(args)")
        }
        let mode = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        let root = f.dir.url.appendingPathComponent(".fedplane").path
        #expect(try mode(root) == 0o700)
        #expect(try mode(f.statePath) == 0o600)
        #expect(try mode(f.statePath + ".backup") == 0o600)
        #expect(try mode(f.dir.url.appendingPathComponent("saved.fpl").path) == 0o600)
        #expect(try mode(root + "/quickstart-pki") == 0o700)
        #expect(try mode(root + "/quickstart-pki/ca.key") == 0o600)
        chmod(f.statePath, 0o644)
        chmod(root, 0o755)
        chmod(root + "/quickstart-pki/participant-hospital-b.key", 0o640)
        let plan = try f.run(["plan"])
        #expect(plan.stderr.contains("warning: \(root)/quickstart-pki/participant-hospital-b.key is 640, readable by others"), "\(plan.stderr)")
        #expect(plan.stderr.contains("warning: \(f.statePath) is 644, readable by others"), "\(plan.stderr)")
        #expect(plan.stderr.contains("the state directory \(root) is 755"), "\(plan.stderr)")
        // A saved plan someone widened: apply says so.
        let saved = f.dir.url.appendingPathComponent("saved.fpl").path
        chmod(saved, 0o644)
        let applied = try f.run(["apply", saved])
        #expect(applied.stderr.contains("warning: \(saved) is 644, readable by others"), "\(applied.stderr)")
    }

    /// The data boundary: a canary planted in a participant's training data (a file of its data
    /// directory and a column value its trainer reads) appears nowhere the aggregator received,
    /// stored or logged — its working directory and log, the model store, the state, the run's
    /// directory, the PKI directory, apply's output. It is found where it belongs (the
    /// participant's VM), so the scan would see it if it leaked.
    @Test func aCanaryInAParticipantsDataNeverReachesTheAggregator() throws {
        let canary = "CANARY-\(UUID().uuidString)"
        let f = try Federation()
        let wrapper = try f.dir.write("canary-train.sh", """
            #!/bin/sh
            # hospital-a's private data holds a canary; its trainer reads it like any data.
            if [ "$FEDPLANE_PARTICIPANT" = hospital-a ]; then
              echo "patient-id,\(canary)" > "$FEDPLANE_DATA_DIR/private-notes.csv"
              cat "$FEDPLANE_DATA_DIR/private-notes.csv" >/dev/null
            fi
            exec python3 "\(CLI.repoRoot.appendingPathComponent("examples/numpy-trainer/train.py").path)"
            """)
        chmod(wrapper.path, 0o755)
        try f.editSpec {
            $0.replacingOccurrences(of: "trainer: { builtin: logistic }", with: "trainer: { command: [\(wrapper.path)] }")
                .replacingOccurrences(of: "rounds: 10", with: "rounds: 2")
        }
        let r = try f.run(["apply", "--auto-approve"])
        #expect(r.status == 0, "\(r.stderr)")
        let participants = f.localRoot.appendingPathComponent("participant").path
        var outside = r.stdout + r.stderr, inside = ""
        let e = FileManager.default.enumerator(at: f.dir.url.appendingPathComponent(".fedplane"), includingPropertiesForKeys: nil)
        while let url = e?.nextObject() as? URL {
            guard let data = try? Data(contentsOf: url) else { continue }
            if url.path.hasPrefix(participants) { inside += String(decoding: data, as: UTF8.self) } else { outside += String(decoding: data, as: UTF8.self) }
        }
        #expect(inside.contains(canary), "the canary was planted in hospital-a's data")
        #expect(!outside.contains(canary), "the canary left the participant")
        #expect(FileManager.default.fileExists(atPath: f.localRoot.appendingPathComponent("aggregator/main/aggregator.log").path))
    }
}
