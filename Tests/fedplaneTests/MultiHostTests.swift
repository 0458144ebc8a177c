import Foundation
import Testing
import FedTestSupport

/// A federation of hospitals on separate hosts (network namespaces with their own sshd, built by
/// `Testbed`), planned, applied, retried and destroyed by the real `fedplane` binary over SSH.
/// Each hospital's data exists only on its own hosts.
@Suite(.serialized) struct MultiHostTests {
    static let hospitals = ["a", "b", "c"]
    static let hostNames = ["agg", "a1", "a2", "b1", "b2", "c1", "c2"]

    /// A hospital's data: 4 features, labels B/M (M when x0 + x1 > 0), a canary value that
    /// appears nowhere else.
    static func data(hospital: Int, rows: Int = 120) -> (csv: Data, canary: String) {
        var state: UInt64 = 0x9E37_79B9 &+ UInt64(hospital) &* 7919
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 4 - 2
        }
        let canary = "\(hospital + 1)7.1234\(hospital + 5)5931"
        var out = "f0,f1,diagnosis,f2,f3\n"
        for i in 0..<rows {
            let x = (0..<4).map { _ in next() }
            let label = x[0] + x[1] + (hospital == 1 ? 0.3 : 0) > 0 ? "M" : "B"
            let f3 = i == 0 ? canary : String(format: "%.5f", x[3])
            out += String(format: "%.5f,%.5f,", x[0], x[1]) + label + String(format: ",%.5f,", x[2]) + f3 + "\n"
        }
        return (Data(out.utf8), canary)
    }

    static func spec(_ bed: Testbed, rounds: Int = 3, minVcpu: Int = 1, declaredVcpu: [String: Int] = [:]) -> String {
        // Declared as the hosts really are (they share this machine), so only what a test
        // changes shows as drift.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = String(format: "%.1f", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824)
        func vm(_ name: String, _ id: String) -> String {
            "      - { id: \(id), host: \(bed[name].address), vcpu: \(declaredVcpu[name] ?? cores), memoryGiB: \(memory), diskGiB: 1 }"
        }
        let ssh = "{ provider: ssh, credentials: { file: \(bed.userKeyPath.path) }, ssh: { user: root, knownHosts: \(bed.knownHostsPath.path) } }"
        var participants = ""
        for h in hospitals {
            participants += """
              - name: hospital-\(h)
                cloud: site-\(h)
                location: aws/us-east-1
                data: { path: /root/data/patients.csv, label: diagnosis }
                minResources: { vcpu: \(minVcpu), memoryGiB: 0.5, diskGiB: 0.1 }
                vms:
            \(vm("\(h)1", "vm-001"))
            \(vm("\(h)2", "vm-002"))

            """
        }
        return """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: quickstart }
        policy: { allowPrivateAggregator: true }
        clouds:
          coordination: \(ssh)
          site-a: \(ssh)
          site-b: \(ssh)
          site-c: \(ssh)
        aggregator:
          candidates: { clouds: [coordination] }
          host: \(bed["agg"].address)
          bind: 0.0.0.0
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

    /// Brings up the hosts and puts each hospital's data on both of its VMs.
    static func withHospitals(_ body: (Testbed, Federation, [String: String]) throws -> Void) throws {
        try Testbed.withTestbed(hostNames.map { Testbed.HostSpec($0) }) { bed in
            var canaries: [String: String] = [:]
            for (i, h) in hospitals.enumerated() {
                let (csv, canary) = data(hospital: i)
                canaries[h] = canary
                for n in 1...2 { _ = try bed.place(csv, at: "data/patients.csv", on: bed["\(h)\(n)"]) }
            }
            let fed = try Federation(spec(bed))
            try body(bed, fed, canaries)
        }
    }

    @Test func threeHospitalsTrainOnTheirOwnHostsAndDestroyCleansThem() async throws { try await offPool { try Self().threeHospitalsTrainOnTheirOwnHostsAndDestroyCleansThemBody() } }
    func threeHospitalsTrainOnTheirOwnHostsAndDestroyCleansThemBody() throws {
        try Self.withHospitals { bed, fed, canaries in
            let plan = try fed.run(["plan", "--no-color"])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("+ participant.hospital-a"))
            let apply = try fed.run(["apply", "--auto-approve", "--no-color"])
            #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
            #expect(apply.stderr.contains("round 3/3: 3 participants"), "\(apply.stderr)")
            #expect(try fed.sql("select count(*) from rounds") == "3")
            #expect(try fed.sql("select status from runs") == "succeeded")
            // The final model learned the hospitals' rule.
            let accuracy = Double(try fed.sql("select max(json_extract(metrics, '$.accuracy')) from models")) ?? 0
            #expect(accuracy > 0.8, "accuracy \(accuracy)")
            // Agents ran on the hospitals' hosts, the aggregator on its own.
            #expect(FileManager.default.fileExists(atPath: bed["a1"].directory.appendingPathComponent(".fedplane/quickstart/hospital-a/agent.log").path))
            #expect(FileManager.default.fileExists(atPath: bed["agg"].directory.appendingPathComponent(".fedplane/quickstart/aggregator/aggregator.log").path))
            // Keys and assignments reached the hosts private.
            let key = bed["a1"].directory.appendingPathComponent(".fedplane/quickstart/hospital-a/tls/client.key").path
            #expect((try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
            // Each hospital's data stayed on its hosts: not on the other hospitals', the
            // aggregator's, or anywhere near the state.
            for (h, canary) in canaries {
                let own: Set<String> = ["\(h)1", "\(h)2"]
                let leaked = bed.filesContaining(Data(canary.utf8), outside: own)
                #expect(leaked.isEmpty, "hospital \(h)'s data found in \(leaked)")
                #expect(Testbed.files(containing: Data(canary.utf8), under: fed.dir.url).hits.isEmpty)
            }
            let again = try fed.run(["plan", "--no-color", "--detailed-exitcode"])
            #expect(again.status == 0, "\(again.stdout)")

            let destroy = try fed.run(["destroy", "--auto-approve", "--no-color"])
            #expect(destroy.status == 0, "\(destroy.stdout)\n\(destroy.stderr)")
            for name in Self.hostNames {
                let dir = bed[name].directory.appendingPathComponent(".fedplane/quickstart")
                #expect(!FileManager.default.fileExists(atPath: dir.path), "\(name) still has \(dir.path)")
            }
            // The namespaces share one process table with other tests' testbeds (e.g.
            // HierarchicalMultiHostTests' aggregators, running at the same time): look only in
            // this testbed's aggregator host.
            let aggregators = Testbed.processesOf(namespace: bed["agg"].namespace, matching: " aggregator --bind ")
            #expect(aggregators.isEmpty, "\(aggregators)")
        }
    }

    @Test func aDeadHostOrAChangedHostKeyMovesTheTaskElsewhere() async throws { try await offPool { try Self().aDeadHostOrAChangedHostKeyMovesTheTaskElsewhereBody() } }
    func aDeadHostOrAChangedHostKeyMovesTheTaskElsewhereBody() throws {
        try Self.withHospitals { bed, fed, _ in
            // b1's key changes behind fedplane's back; a1 goes down.
            let before = try fed.run(["auth", "verify"])
            #expect(before.status == 0, "\(before.stdout)\(before.stderr)")
            #expect(before.stdout.contains("site-b (ssh): verified — 2 hosts accepted the key; host keys match \(bed.knownHostsPath.path)"), "\(before.stdout)")
            let b1 = try bed.regenerateHostKey(bed["b1"])
            bed.killAllProcesses(bed["a1"])
            // auth verify logs in to every host: the changed key and the dead host are named.
            let verify = try fed.run(["auth", "verify", "--json"])
            #expect(verify.status == 1)
            let clouds = (try? JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: [[String: Any]]])?["clouds"] ?? []
            let byCloud = Dictionary(uniqueKeysWithValues: clouds.map { ($0["cloud"] as? String ?? "", $0) })
            #expect(byCloud["site-c"]?["status"] as? String == "verified")
            let siteB = byCloud["site-b"]?["message"] as? String ?? ""
            #expect(byCloud["site-b"]?["status"] as? String == "failed" && siteB.contains("1 of 2 hosts failed") && siteB.contains(bed["b1"].address)
                    && siteB.contains(bed.hostKeyFingerprint(b1)), "\(siteB)")
            let siteA = byCloud["site-a"]?["message"] as? String ?? ""
            #expect(byCloud["site-a"]?["status"] as? String == "failed" && siteA.contains(bed["a1"].address), "\(siteA)")
            let plan = try fed.run(["plan", "--no-color"])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stdout.contains("CHANGED"), "\(plan.stdout)")
            #expect(plan.stdout.contains(bed.hostKeyFingerprint(b1)), "the plan names the offered key")
            #expect(plan.stdout.contains("vm-002 is next"), "\(plan.stdout)")
            let apply = try fed.run(["apply", "--auto-approve", "--no-color"])
            #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
            // Nothing ran on the host with the changed key.
            #expect(!FileManager.default.fileExists(atPath: bed["b1"].directory.appendingPathComponent(".fedplane").path))
            #expect(FileManager.default.fileExists(atPath: bed["b2"].directory.appendingPathComponent(".fedplane/quickstart/hospital-b/agent.log").path))
            #expect(FileManager.default.fileExists(atPath: bed["a2"].directory.appendingPathComponent(".fedplane/quickstart/hospital-a/agent.log").path))
            _ = try fed.run(["destroy", "--auto-approve"])
        }
    }

    @Test func aHostThatDiesMidRunHasItsTaskRetriedOnTheNextVM() async throws { try await offPool { try Self().aHostThatDiesMidRunHasItsTaskRetriedOnTheNextVMBody() } }
    func aHostThatDiesMidRunHasItsTaskRetriedOnTheNextVMBody() throws {
        try Self.withHospitals { bed, fed, _ in
            try fed.editSpec { $0.replacingOccurrences(of: "rounds: 3", with: "rounds: 8") }
            let (p, out, err) = try fed.start(["apply", "--auto-approve", "--no-color"])
            // Once round 2 is committed, hospital c's VM dies (sshd, sessions and the agent).
            let deadline = Date().addingTimeInterval(240)
            while p.isRunning, Date() < deadline, (Int((try? fed.sql("select count(*) from rounds")) ?? "") ?? 0) < 2 { usleep(100_000) }
            bed.killAllProcesses(bed["c1"])
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(stdout)\n\(stderr)")
            #expect(try fed.sql("select count(*) from rounds") == "8")
            // Every round still had 3 participants: c's tasks moved to vm-002.
            #expect(try fed.sql("select min(participants) from rounds") == "3", "\(stdout)")
            #expect(FileManager.default.fileExists(atPath: bed["c2"].directory.appendingPathComponent(".fedplane/quickstart/hospital-c/agent.log").path), "\(stdout)")
            try bed.restartSSHD(bed["c1"])
            _ = try fed.run(["destroy", "--auto-approve"])
        }
    }

    @Test func aHospitalBehindABastionIsReachedThroughItWithTheSameChecks() async throws { try await offPool { try Self().aHospitalBehindABastionIsReachedThroughItWithTheSameChecksBody() } }
    func aHospitalBehindABastionIsReachedThroughItWithTheSameChecksBody() throws {
        try Self.withHospitals { bed, fed, _ in
            // c1 and c2 answer only hosts of the network, not this machine: the agg host is the
            // bastion for site-c (and the site has an agent installed by its owner, on PATH).
            try bed.cutOffFromRoot(bed["c1"])
            try bed.cutOffFromRoot(bed["c2"])
            let direct = try fed.run(["plan", "--no-color"])
            #expect(direct.status == 1, "\(direct.stdout)")
            #expect(direct.stderr.contains("participant hospital-c has no eligible VM"), "\(direct.stderr)")
            // The site's own install: a copy of the binary in each c host's own tree (a host's
            // /tmp is private, so the build directory may not be visible there).
            let binary = try Data(contentsOf: CLI.binary)
            for h in ["c1", "c2"] {
                let placed = try bed.place(binary, at: "opt/fedplane/fedplane", on: bed[h])
                chmod(placed.localURL.path, 0o755)
            }
            try fed.editSpec { text in
                text.replacingOccurrences(of: "site-c: { provider: ssh, credentials: { file: \(bed.userKeyPath.path) }, ssh: { user: root, knownHosts: \(bed.knownHostsPath.path) } }",
                                          with: "site-c: { provider: ssh, credentials: { file: \(bed.userKeyPath.path) }, ssh: { user: root, knownHosts: \(bed.knownHostsPath.path), jump: \(bed["agg"].address), agentPath: /root/opt/fedplane/fedplane } }")
            }
            let plan = try fed.run(["plan", "--no-color"])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(!plan.stdout.contains("passed over"), "\(plan.stdout)")
            let apply = try fed.run(["apply", "--auto-approve", "--no-color"])
            #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
            #expect(apply.stderr.contains("round 3/3: 3 participants"), "\(apply.stderr)")
            // site-c used the fedplane its owner installed: nothing was copied there.
            let copied = ["c1", "c2"].filter { FileManager.default.fileExists(atPath: bed[$0].directory.appendingPathComponent(".fedplane/quickstart/bin").path) }
            #expect(copied.isEmpty, "copied to \(copied)")
            #expect(FileManager.default.fileExists(atPath: bed["a1"].directory.appendingPathComponent(".fedplane/quickstart/bin").path) ||
                    FileManager.default.fileExists(atPath: bed["a2"].directory.appendingPathComponent(".fedplane/quickstart/bin").path))
            _ = try fed.run(["destroy", "--auto-approve"])
            try bed.cutOffFromRoot(bed["c1"], false)
            try bed.cutOffFromRoot(bed["c2"], false)
        }
    }

    @Test func observedResourcesDecideEligibilityAndShowAsDrift() async throws { try await offPool { try Self().observedResourcesDecideEligibilityAndShowAsDriftBody() } }
    func observedResourcesDecideEligibilityAndShowAsDriftBody() throws {
        try Testbed.withTestbed(Self.hostNames.map { Testbed.HostSpec($0) }) { bed in
            let cores = ProcessInfo.processInfo.activeProcessorCount
            // a1 is declared with more vCPUs than it has: drift. Every VM must have more than
            // the machine has: each is ruled out by what it reports.
            let fed = try Federation(Self.spec(bed, minVcpu: cores + 1, declaredVcpu: Dictionary(uniqueKeysWithValues: Self.hostNames.map { ($0, cores + 2) })))
            let plan = try fed.run(["plan", "--no-color"])
            #expect(plan.status == 1)
            #expect(plan.stderr.contains("vm-001 reports \(cores) vCPU (minimum \(cores + 1))"), "\(plan.stderr)")
            let fed2 = try Federation(Self.spec(bed, declaredVcpu: ["a1": cores + 2]))
            let plan2 = try fed2.run(["plan", "--no-color"])
            #expect(plan2.status == 0, "\(plan2.stderr)")
            #expect(plan2.stdout.contains("hospital-a/vm-001 reports \(cores) vCPU, spec says \(cores + 2)"), "\(plan2.stdout)")
        }
    }

    /// Ctrl-C, then SIGKILL, of an apply whose agents are busy on the hospitals' hosts: nothing
    /// fedplane started there runs on. After Ctrl-C the run stops its remote agents and its
    /// aggregator itself; after SIGKILL each agent's session sees its end-of-file and stops the
    /// agent's process group.
    @Test func interruptedOrKilledApplyLeavesNoAgentRunningOnTheHosts() async throws { try await offPool { try Self().interruptedBody() } }
    func interruptedBody() throws {
        try Self.withHospitals { bed, fed, _ in
            try fed.editSpec {
                $0.replacingOccurrences(of: "trainer: { builtin: logistic }", with: "trainer: { command: [/bin/sleep, \"97\"] }")
                  .replacingOccurrences(of: "taskTimeout: 60s", with: "taskTimeout: 200s")
                  .replacingOccurrences(of: "roundDeadline: 120s", with: "roundDeadline: 300s")
            }
            func busyHosts() -> [String] {
                bed.hosts.filter { !Testbed.processesOf(namespace: $0.namespace, matching: "sleep 97").isEmpty }.map(\.name)
            }
            func leftovers() -> [String] {
                bed.hosts.flatMap { h in
                    (Testbed.processesOf(namespace: h.namespace, matching: "sleep 97") + Testbed.processesOf(namespace: h.namespace, matching: " agent --assignment")
                     + Testbed.processesOf(namespace: h.namespace, matching: " aggregator --bind")).map { pid in
                        let cmd = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { String(decoding: $0.map { $0 == 0 ? 32 : $0 }, as: UTF8.self) } ?? "?"
                        return "\(h.name):\(pid) \(cmd)"
                    }
                }
            }
            func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline { if condition() { return true }; usleep(200_000) }
                return condition()
            }
            for signal in [SIGINT, SIGKILL] {
                let (p, _, err) = try fed.start(["apply", "--auto-approve", "--no-color"])
                #expect(waitFor(90) { busyHosts().count == 3 }, "agents never got busy on three hosts: \(busyHosts())")
                kill(p.processIdentifier, signal)
                p.waitUntilExit()
                let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                if signal == SIGINT { #expect(p.terminationStatus == 130, "\(stderr)") }
                // SIGKILL: the watchdog TERMs, then KILLs 5 s later if need be.
                let clean = waitFor(signal == SIGINT ? 10 : 15) {
                    leftovers().filter { signal == SIGKILL ? !$0.contains("aggregator") : true }.isEmpty
                }
                #expect(clean, "after \(signal == SIGINT ? "SIGINT" : "SIGKILL"): \(leftovers())")
            }
            // The aggregator of the killed apply is stopped by the next one; then the hosts are cleaned.
            var destroy = try fed.run(["destroy", "--auto-approve"])
            if destroy.status != 0, let id = destroy.stderr.components(separatedBy: "fedplane force-unlock ").dropFirst().first?.split(separator: "\n").first {
                _ = try fed.run(["force-unlock", String(id)])
                destroy = try fed.run(["destroy", "--auto-approve"])
            }
            #expect(destroy.status == 0, "\(destroy.stderr)")
            #expect(leftovers().isEmpty, "after destroy: \(leftovers())")
        }
    }

    /// A persistent trainer on the hospitals' hosts lives as long as the run: the run's end
    /// stops it on every host (it would otherwise outlive fedplane there).
    @Test func persistentTrainersOnTheHostsEndWithTheRun() async throws { try await offPool { try Self().persistentBody() } }
    func persistentBody() throws {
        try Self.withHospitals { bed, fed, _ in
            // A copy-only trainer in the persistent protocol, with the system python's standard
            // library only (the hosts' /root, where a user's Python may live, is their own).
            let script = """
            import json, shutil, sys
            for line in sys.stdin:
                if not line.strip():
                    continue
                r = json.loads(line)
                shutil.copyfile(r["FEDPLANE_WEIGHTS_IN"], r["FEDPLANE_WEIGHTS_OUT"])
                with open(r["FEDPLANE_METRICS_OUT"], "w") as f:
                    json.dump({"samples": 1, "loss": 0.5, "confusion": [[1, 0], [0, 0]], "train_samples": 10}, f)
                sys.stdout.write(json.dumps({"id": r.get("id"), "ok": True}) + "\\n")
                sys.stdout.flush()
            """
            for h in bed.hosts { try bed.place(Data(script.utf8), at: "trainer/train-fp.py", on: h) }
            try fed.editSpec { $0.replacingOccurrences(of: "trainer: { builtin: logistic }", with: "trainer: { command: [/usr/bin/python3, /root/trainer/train-fp.py], persistent: true }") }
            let apply = try fed.run(["apply", "--auto-approve", "--no-color"])
            #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
            #expect(try fed.sql("select status from runs") == "succeeded")
            // Each hospital trained on a host that kept a persistent trainer during the run...
            let used = bed.hosts.filter { FileManager.default.fileExists(atPath: $0.directory.appendingPathComponent(".fedplane/quickstart/hospital-\($0.name.prefix(1))/trainer").path) }
            #expect(used.count >= 3, "persistent trainers ran on \(used.map(\.name))")
            // ...and none is left running after it.
            let running = bed.hosts.flatMap { h in Testbed.processesOf(namespace: h.namespace, matching: "train-fp.py").map { "\(h.name):\($0)" } }
            #expect(running.isEmpty, "trainers still running: \(running)")
            _ = try fed.run(["destroy", "--auto-approve"])
        }
    }
}

