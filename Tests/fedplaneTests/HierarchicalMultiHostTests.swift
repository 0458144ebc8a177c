import Foundation
import Testing
import FedTestSupport

/// `aggregator.topology: hierarchical` on ssh clouds (issue 16): three hospitals on their own
/// hosts (network namespaces with their own sshd, `Testbed`); a and b share a location, so their
/// regional aggregator runs on its own host (`aggregator.regionalHosts`), c sends to the global
/// aggregator directly. The real `fedplane` binary plans, applies and destroys over SSH; the flat
/// run of the same spec on the same hosts is the reference model.
@Suite(.serialized) struct HierarchicalMultiHostTests {
    static let hostNames = ["agg", "reg", "a1", "b1", "c1", "d1"]

    static func spec(_ bed: Testbed, topology: String, regionalHosts: Bool = true) -> String {
        spec(bed, topology: topology, hospitals: ["a": "aws/us-east-1", "b": "aws/us-east-1", "c": "aws/eu-west-1"],
             regionalHosts: regionalHosts ? "{ aws/us-east-1: \(bed["reg"].address) }" : nil, rounds: 3)
    }

    static func spec(_ bed: Testbed, topology: String, hospitals locations: [String: String], regionalHosts: String?, rounds: Int) -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = String(format: "%.1f", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824)
        let ssh = "{ provider: ssh, credentials: { file: \(bed.userKeyPath.path) }, ssh: { user: root, knownHosts: \(bed.knownHostsPath.path) } }"
        var participants = ""
        for h in locations.keys.sorted() {
            participants += """
              - name: hospital-\(h)
                cloud: site-\(h)
                location: \(locations[h]!)
                data: { path: /root/data/patients.csv, label: diagnosis }
                minResources: { vcpu: 1, memoryGiB: 0.5, diskGiB: 0.1 }
                vms:
                  - { id: vm-001, host: \(bed["\(h)1"].address), vcpu: \(cores), memoryGiB: \(memory), diskGiB: 1 }

            """
        }
        let sites = locations.keys.sorted().map { "  site-\($0): \(ssh)" }.joined(separator: "\n")
        var hierarchy = ""
        if topology == "hierarchical" {
            hierarchy = "  topology: hierarchical\n" + (regionalHosts.map { "  regionalHosts: \($0)\n" } ?? "")
        }
        return """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: quickstart }
        policy: { allowPrivateAggregator: true }
        clouds:
          coordination: \(ssh)
        \(sites)
        aggregator:
          candidates: { clouds: [coordination] }
          host: \(bed["agg"].address)
          port: 7443
          bind: 0.0.0.0
        \(hierarchy)
        participants:
        \(participants)
        training:
          trainer: { builtin: logistic }
          classes: [B, M]
          features: 4
          rounds: \(rounds)
          epochs: 2
          batchSize: 16
          learningRate: 0.3
          minParticipants: 2
          retry: { attempts: 2, taskTimeout: 60s }
          roundDeadline: 120s
        """
    }

    /// Nothing of the federation on any host, and no aggregator process of it.
    static func expectClean(_ bed: Testbed, sourceLocation: SourceLocation = #_sourceLocation) {
        for name in hostNames {
            let dir = bed[name].directory.appendingPathComponent(".fedplane/quickstart")
            #expect(!FileManager.default.fileExists(atPath: dir.path), "\(name) still has \(dir.path)", sourceLocation: sourceLocation)
        }
        // The namespaces share one process table with other tests' testbeds: look only in this
        // testbed's hosts (their network namespaces) for fedplane's aggregator.
        for name in hostNames {
            let left = Testbed.processesOf(namespace: bed[name].namespace, matching: " aggregator --bind ")
            #expect(left.isEmpty, "\(name) still runs an aggregator: \(left)", sourceLocation: sourceLocation)
        }
    }

    @Test func aRegionalAggregatorOnItsOwnHostTrainsTheFlatModel() async throws { try await offPool { try Self().body() } }
    func body() throws {
        try Testbed.withTestbed(Self.hostNames.map { Testbed.HostSpec($0) }) { bed in
            for (i, h) in ["a", "b", "c"].enumerated() {
                _ = try bed.place(MultiHostTests.data(hospital: i).csv, at: "data/patients.csv", on: bed["\(h)1"])
            }
            // Without a host for the chosen location group, plan says where to add one.
            let missingText = Self.spec(bed, topology: "hierarchical", regionalHosts: false)
            let missing = try Federation(missingText)
            let refused = try missing.run(["plan", "--no-color"])
            let line = missingText.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("topology: hierarchical") }! + 1
            #expect(refused.status == 1, "\(refused.stdout)")
            #expect(refused.stderr.contains("\(missing.spec.path):\(line):13: aggregator.topology: aggregator.regional.1 serves location aws/us-east-1 (hospital-a, hospital-b) on the ssh cloud coordination, which names no host for it: add aggregator.regionalHosts: { aws/us-east-1: <host> }"), "\(refused.stderr)")

            let h = try Federation(Self.spec(bed, topology: "hierarchical"))
            let plan = try h.run(["plan", "--no-color"])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("aggregator.regional.1 (coordination/local/local on \(bed["reg"].address)) serves hospital-a, hospital-b; direct to the global aggregator: hospital-c"), "\(plan.stdout)")
            #expect(plan.stdout.contains("      host = \"\(bed["reg"].address)\""), "\(plan.stdout)")

            // auth verify logs in to the regional aggregator's host too.
            let verify = try h.run(["auth", "verify"])
            #expect(verify.status == 0 && verify.stdout.contains("coordination (ssh): verified — 2 hosts accepted the key"), "\(verify.stdout)\(verify.stderr)")

            let applied = try h.run(["apply", "--auto-approve", "--no-color"])
            #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
            #expect(applied.stderr.contains("round 3/3: 3 participants"), "\(applied.stderr)")
            #expect(try h.sql("select status from runs") == "succeeded")
            // The regional aggregator ran on its host, at the spec's port, with a certificate
            // naming that host; the global one on its own.
            let regionalLog = bed["reg"].directory.appendingPathComponent(".fedplane/quickstart/aggregator-regional-1/aggregator.log")
            #expect(FileManager.default.fileExists(atPath: regionalLog.path))
            #expect(FileManager.default.fileExists(atPath: bed["agg"].directory.appendingPathComponent(".fedplane/quickstart/aggregator/aggregator.log").path))
            #expect(!FileManager.default.fileExists(atPath: bed["agg"].directory.appendingPathComponent(".fedplane/quickstart/aggregator-regional-1").path))
            #expect(try h.sql("select json_extract(attributes, '$.observed.endpoint') from resources where address='aggregator.regional.1'") == "https://\(bed["reg"].address):7443")
            #expect(try h.sql("select json_extract(attributes, '$.observed.names') from resources where address='certificate.regional-1'").contains(bed["reg"].address))
            // The key reached its host private.
            let key = bed["reg"].directory.appendingPathComponent(".fedplane/quickstart/aggregator-regional-1/tls/client.key").path
            #expect((try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
            // It is the regional aggregator's own key, and it is nowhere in the state, the
            // launch files or what fedplane printed.
            let keyBody = try String(contentsOfFile: key, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            let ownKey = try String(contentsOf: h.dir.url.appendingPathComponent(".fedplane/quickstart-pki/regional-1.key"), encoding: .utf8)
            #expect(!keyBody.isEmpty && ownKey.replacingOccurrences(of: "\n", with: "").contains(keyBody))
            // Past the DER header every P-256 key shares: secret bytes only.
            let secret = String(keyBody.dropFirst(12).prefix(32))
            let needle = Data(secret.utf8)
            let hits = Testbed.files(containing: needle, under: h.dir.url).hits.filter { !$0.path.contains("/quickstart-pki/") }
            #expect(hits.isEmpty, "\(hits)")
            #expect(!(plan.stdout + applied.stdout + applied.stderr).contains(secret))
            // The global aggregator admitted the regional one and hospital-c only.
            let global = try HierarchicalApplyTests.json(h.localRoot.appendingPathComponent("run/1/aggregator.json"))
            #expect((global["participants"] as? [String]) == ["hospital-c", "regional:1"])

            let again = try h.run(["plan", "--no-color", "--detailed-exitcode"])
            #expect(again.status == 0 && again.stdout.contains("No changes."), "\(again.stdout)")
            let model = try HierarchicalApplyTests.finalModel(h)
            let query = "SELECT round || ':' || participants || ':' || printf('%.6f', accuracy) || ':' || printf('%.6f', loss) FROM rounds WHERE run=1 ORDER BY round"
            let metrics = try h.sql(query)

            // A spec that no longer names the regional host still destroys what ran there: the
            // state says where it was.
            try h.editSpec { $0.components(separatedBy: "\n").filter { !$0.contains("regionalHosts:") }.joined(separator: "\n") }
            let destroy = try h.run(["destroy", "--auto-approve", "--no-color"])
            #expect(destroy.status == 0, "\(destroy.stdout)\n\(destroy.stderr)")
            Self.expectClean(bed)

            // The flat run of the same spec on the same hosts: the same global model.
            let flat = try Federation(Self.spec(bed, topology: "flat"))
            let flatApplied = try flat.run(["apply", "--auto-approve", "--no-color"])
            #expect(flatApplied.status == 0, "\(flatApplied.stdout)\n\(flatApplied.stderr)")
            let reference = try HierarchicalApplyTests.finalModel(flat)
            #expect(model.keys == reference.keys && !model.isEmpty)
            var worst: Float = 0
            for (name, values) in model { for (x, y) in zip(values, reference[name]!) { worst = max(worst, abs(x - y)) } }
            #expect(worst < 1e-5, "max abs diff \(worst)")
            #expect(metrics == (try flat.sql(query)) && metrics.split(separator: "\n").count == 3, "\(metrics)")
            _ = try flat.run(["destroy", "--auto-approve"])
            Self.expectClean(bed)
        }
    }

    /// A regional aggregator's host that died and was then dropped from the spec blocks neither
    /// plan nor destroy: the host the state recorded is skipped with a warning naming it and what
    /// was not done, and the state forgets the aggregator.
    @Test func aDeadFormerRegionalHostIsSkippedWithAWarning() async throws { try await offPool { try Self().deadHostBody() } }
    func deadHostBody() throws {
        try Testbed.withTestbed(Self.hostNames.map { Testbed.HostSpec($0) }) { bed in
            let h = try Federation(Self.spec(bed, topology: "hierarchical"))
            let applied = try h.run(["apply", "--auto-approve", "--no-color", "--target", "aggregator.regional.1"])
            #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
            let dir = bed["reg"].directory.appendingPathComponent(".fedplane/quickstart/aggregator-regional-1")
            #expect(FileManager.default.fileExists(atPath: dir.path))

            try bed.setLink(bed["reg"], up: false)
            try h.editSpec { $0.components(separatedBy: "\n").filter { !$0.contains("regionalHosts:") }.joined(separator: "\n") }
            let destroy = try h.run(["destroy", "--auto-approve", "--no-color"])
            #expect(destroy.status == 0, "\(destroy.stdout)\n\(destroy.stderr)")
            let warning = destroy.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: aggregator.regional.1: its former host ") }
            #expect(warning.count >= 1 && warning.allSatisfy { $0.contains(bed["reg"].address) && $0.contains("could not be searched") && $0.hasSuffix("anything of it left there was neither checked nor removed") },
                    "\(destroy.stderr)")
            #expect(try h.sql("select count(*) from resources where address like 'aggregator.%'") == "0")

            // The host is back: what the warning said was not removed is still there.
            try bed.setLink(bed["reg"], up: true)
            #expect(FileManager.default.fileExists(atPath: dir.path))
        }
    }

    /// An apply killed mid-run, whose regional aggregator runs on its own host, resumes from the
    /// last committed round: the next apply finds the aggregators the killed one left running on
    /// both hosts, restarts them from the recorded round and trains the rounds left, each with
    /// every hospital.
    @Test func aKilledApplyWithARemoteRegionalAggregatorResumesFromTheLastCommittedRound() async throws { try await offPool { try Self().resumeBody() } }
    func resumeBody() throws {
        try Testbed.withTestbed(Self.hostNames.map { Testbed.HostSpec($0) }) { bed in
            // A copy-only trainer that takes a second: rounds slow enough to kill the apply between
            // them (the agents' test delay does not cross SSH). The system python's standard library only.
            let script = """
            import json, os, shutil, time
            time.sleep(1.0)
            shutil.copyfile(os.environ["FEDPLANE_WEIGHTS_IN"], os.environ["FEDPLANE_WEIGHTS_OUT"])
            with open(os.environ["FEDPLANE_METRICS_OUT"], "w") as f:
                json.dump({"samples": 2, "loss": 0.5, "confusion": [[1, 0], [0, 1]], "train_samples": 10}, f)
            """
            for (i, h) in ["a", "b", "c"].enumerated() {
                _ = try bed.place(MultiHostTests.data(hospital: i).csv, at: "data/patients.csv", on: bed["\(h)1"])
                _ = try bed.place(Data(script.utf8), at: "trainer/slow-copy.py", on: bed["\(h)1"])
            }
            let f = try Federation(Self.spec(bed, topology: "hierarchical", hospitals: ["a": "aws/us-east-1", "b": "aws/us-east-1", "c": "aws/eu-west-1"],
                                             regionalHosts: "{ aws/us-east-1: \(bed["reg"].address) }", rounds: 5)
                .replacingOccurrences(of: "trainer: { builtin: logistic }", with: "trainer: { command: [/usr/bin/python3, /root/trainer/slow-copy.py] }"))
            let (apply, out, err) = try f.start(["apply", "--auto-approve", "--no-color"])
            // Drained as it comes, so a full pipe never blocks the apply.
            nonisolated(unsafe) var killedStderr = Data()
            let drained = DispatchGroup()
            DispatchQueue.global().async(group: drained) { _ = out.fileHandleForReading.readDataToEndOfFile() }
            DispatchQueue.global().async(group: drained) { killedStderr = err.fileHandleForReading.readDataToEndOfFile() }
            var waited = 0
            while waited < 2400, apply.isRunning, (Int((try? f.sql("select count(*) from rounds")) ?? "") ?? 0) < 2 { usleep(50_000); waited += 1 }
            if apply.isRunning { kill(apply.processIdentifier, SIGKILL) }
            apply.waitUntilExit()
            drained.wait()
            let committed = Int(try f.sql("select count(*) from rounds")) ?? 0
            #expect(apply.terminationReason == .uncaughtSignal && committed >= 2 && committed < 5,
                    "\(committed) rounds; \(String(decoding: killedStderr, as: UTF8.self))")
            // The killed apply's aggregators still run on their hosts.
            for name in ["agg", "reg"] {
                #expect(!Testbed.processesOf(namespace: bed[name].namespace, matching: " aggregator --bind ").isEmpty, "no aggregator left on \(name)")
            }

            #expect(try f.run(["force-unlock", try f.sql("select lock_id from lock")]).status == 0)
            let resumed = try f.run(["apply", "--auto-approve", "--no-color"])
            #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
            #expect(resumed.stderr.contains("run 1: resuming after round \(committed) of 5"), "\(resumed.stderr)")
            #expect(try f.sql("select group_concat(round || ':' || participants) from (select * from rounds where run=1 order by round)") == "1:3,2:3,3:3,4:3,5:3")
            #expect(try f.sql("select status from runs where run=1") == "succeeded")
            // The run's end stops its aggregators, the ones the killed apply left included.
            for name in ["agg", "reg"] {
                let running = Testbed.processesOf(namespace: bed[name].namespace, matching: " aggregator --bind ")
                #expect(running.isEmpty, "\(name) still runs \(running.count) aggregator(s)")
            }

            let destroy = try f.run(["destroy", "--auto-approve", "--no-color"])
            #expect(destroy.status == 0, "\(destroy.stdout)\n\(destroy.stderr)")
            Self.expectClean(bed)
        }
    }

    @Test func regionalAggregatorsShareAHostOnDistinctPortsSurviveAKillAndMoveWithTheSpec() async throws { try await offPool { try Self().sharedHostBody() } }
    func sharedHostBody() throws {
        try Testbed.withTestbed(Self.hostNames.map { Testbed.HostSpec($0) }) { bed in
            for (i, h) in ["a", "b", "c", "d"].enumerated() {
                _ = try bed.place(MultiHostTests.data(hospital: i % 3).csv, at: "data/patients.csv", on: bed["\(h)1"])
            }
            let locations = ["a": "aws/us-east-1", "b": "aws/us-east-1", "c": "aws/eu-west-1", "d": "aws/eu-west-1"]
            let agg = bed["agg"].address, reg = bed["reg"].address
            let f = try Federation(Self.spec(bed, topology: "hierarchical", hospitals: locations,
                                             regionalHosts: "{ aws/us-east-1: \(agg), aws/eu-west-1: \(agg) }", rounds: 3))
            // Both regional aggregators on the global aggregator's host: one port each. Once
            // round 1 is committed, regional aggregator 1 is killed on its host: the run
            // restarts the aggregators there and every round still counts all four hospitals.
            let home = bed["agg"].directory.appendingPathComponent(".fedplane/quickstart")
            let (apply, _, errPipe) = try f.start(["apply", "--auto-approve", "--no-color"])
            var waited = 0
            while waited < 2400, apply.isRunning, (Int((try? f.sql("select count(*) from rounds")) ?? "") ?? 0) < 1 { usleep(50_000); waited += 1 }
            let pidText = try String(contentsOf: home.appendingPathComponent("aggregator-regional-1/aggregator.pid"), encoding: .utf8)
            let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(kill(-pid, SIGKILL) == 0)
            let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            apply.waitUntilExit()
            #expect(apply.terminationStatus == 0, "\(stderr)")
            #expect(stderr.contains("restarting it"), "\(stderr)")
            let rounds = try f.sql("select group_concat(round || ':' || participants) from (select * from rounds where run=1 order by round)")
            #expect(rounds == "1:4,2:4,3:4", "\(stderr)")
            #expect(try f.sql("select status from runs where run=1") == "succeeded")
            let endpoints = "select address || ' ' || json_extract(attributes, '$.observed.endpoint') from resources where type='aggregator' order by address"
            #expect(try f.sql(endpoints) == "aggregator.main https://\(agg):7443\naggregator.regional.1 https://\(agg):7444\naggregator.regional.2 https://\(agg):7445")
            #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent("aggregator-regional-2/aggregator.log").path))

            // eu-west-1's regional aggregator moves to its own host: replaced, its certificate
            // too (another address), its directory gone from the old host.
            try f.editSpec { $0.replacingOccurrences(of: "aws/eu-west-1: \(agg) }", with: "aws/eu-west-1: \(reg) }") }
            let plan = try f.run(["plan", "--no-color"])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("-/+ aggregator.regional.2") && plan.stdout.contains("-/+ certificate.regional-2"), "\(plan.stdout)")
            #expect(!plan.stdout.contains("aggregator.regional.1\n"), "\(plan.stdout)")
            let moved = try f.run(["apply", "--auto-approve", "--no-color"])
            #expect(moved.status == 0, "\(moved.stdout)\n\(moved.stderr)")
            #expect(try f.sql(endpoints) == "aggregator.main https://\(agg):7443\naggregator.regional.1 https://\(agg):7444\naggregator.regional.2 https://\(reg):7443")
            #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("aggregator-regional-2").path))
            #expect(FileManager.default.fileExists(atPath: bed["reg"].directory.appendingPathComponent(".fedplane/quickstart/aggregator-regional-2/port").path))
            #expect(try f.sql("select json_extract(attributes, '$.observed.names') from resources where address='certificate.regional-2'").contains(reg))
            let again = try f.run(["plan", "--no-color", "--detailed-exitcode"])
            #expect(again.status == 0 && again.stdout.contains("No changes."), "\(again.stdout)")

            let destroy = try f.run(["destroy", "--auto-approve", "--no-color"])
            #expect(destroy.status == 0, "\(destroy.stdout)\n\(destroy.stderr)")
            Self.expectClean(bed)
        }
    }
}
