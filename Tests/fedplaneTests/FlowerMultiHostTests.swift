import Foundation
import Testing
import FedTestSupport

/// The Flower runtime on `provider: ssh` hosts (the testbed: network namespaces with their own
/// sshd, their own /root and /tmp): the SuperLink on the aggregator's host, a SuperNode on each
/// hospital's host, the `flwr` CLI here. The hosts see this machine's /opt, so the Python must be
/// a venv of the system's /usr/bin/python3 there (a pyenv Python lives under /root, which each
/// host has its own of): FEDPLANE_TEST_FLOWER_SHARED_PYTHON, default /opt/fedplane-flwr-sys,
/// with flwr==1.42.0, numpy and scikit-learn.
enum SharedFlowerPython {
    static let candidate = ProcessInfo.processInfo.environment["FEDPLANE_TEST_FLOWER_SHARED_PYTHON"] ?? "/opt/fedplane-flwr-sys"

    static let usable: Bool = {
        guard !candidate.hasPrefix("/root/"), !candidate.hasPrefix("/tmp/") else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "\(candidate)/bin/python3")
        p.arguments = ["-c", "import sys, numpy, sklearn; from importlib.metadata import version; assert version('flwr') == '1.42.0'; assert not sys.base_prefix.startswith(('/root/', '/tmp/'))"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
}

@Suite(.serialized, .enabled(if: SharedFlowerPython.usable, "no venv of the system Python with flwr 1.42.0, numpy and scikit-learn at \(SharedFlowerPython.candidate) (the testbed's hosts cannot see /root or /tmp): `/usr/bin/python3 -m venv /opt/fedplane-flwr-sys && /opt/fedplane-flwr-sys/bin/pip install flwr==1.42.0 numpy scikit-learn`"))
struct FlowerMultiHostTests {
    static func spec(_ bed: Testbed) -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let ssh = "{ provider: ssh, credentials: { file: \(bed.userKeyPath.path) }, ssh: { user: root, knownHosts: \(bed.knownHostsPath.path) } }"
        return """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: quickstart }
        policy: { allowPrivateAggregator: true }
        clouds:
          coordination: \(ssh)
          site-a: \(ssh)
          site-b: \(ssh)
        aggregator:
          candidates: { clouds: [coordination] }
          host: \(bed["agg"].address)
          bind: 0.0.0.0
        participants:
          - { name: hospital-a, cloud: site-a, location: aws/us-east-1, vms: [{ id: vm-001, host: \(bed["a1"].address), vcpu: \(cores), memoryGiB: 1, diskGiB: 1 }] }
          - { name: hospital-b, cloud: site-b, location: aws/us-east-1, vms: [{ id: vm-001, host: \(bed["b1"].address), vcpu: \(cores), memoryGiB: 1, diskGiB: 1 }] }
        training:
          rounds: 2
          runtime: flower
          flower:
            app: \(CLI.repoRoot.appendingPathComponent("examples/flower-app").path)
            python: \(SharedFlowerPython.candidate)
            runConfig: { num-server-rounds: 2, local-epochs: 5 }
        """
    }

    @Test func aFlowerRunSpansTheAggregatorsAndTheHospitalsHosts() async throws { try await offPool { try Self().body() } }
    func body() throws {
        try Testbed.withTestbed(["agg", "a1", "b1"].map { Testbed.HostSpec($0) }) { bed in
            let fed = try Federation(Self.spec(bed))
            let apply = try fed.run(["apply", "--auto-approve", "--no-color"])
            #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
            #expect(apply.stderr.contains("Flower SuperLink on ") && apply.stderr.contains("Flower SuperNode for hospital-a on vm-001"), "\(apply.stderr)")
            #expect(try fed.sql("SELECT round || ':' || participants FROM rounds WHERE run = 1 ORDER BY round") == "1:2\n2:2")
            #expect(try fed.sql("SELECT status FROM runs WHERE run = 1") == "succeeded")
            // Each process ran on its own host: its log is in that host's directory.
            func logs(_ host: String, _ suffix: String) -> [String] {
                ((FileManager.default.enumerator(atPath: bed[host].directory.path)?.allObjects as? [String]) ?? []).filter { $0.hasSuffix(suffix) }
            }
            #expect(logs("agg", "superlink.log").count == 1, "\(logs("agg", ".log"))")
            #expect(logs("a1", "supernode.log").count == 1 && logs("b1", "supernode.log").count == 1)
            #expect(logs("a1", "superlink.log").isEmpty && logs("agg", "supernode.log").isEmpty)
            // The SuperNodes' keys stayed on their hosts, 0600.
            for h in ["a1", "b1"] {
                let keys = logs(h, ".key").filter { $0.contains("/auth/supernode.") }
                #expect(keys.count == 1, "\(h): \(keys)")
                for k in keys {
                    #expect((try FileManager.default.attributesOfItem(atPath: bed[h].directory.appendingPathComponent(k).path)[.posixPermissions] as? Int) == 0o600)
                }
            }
            // Nothing of the run is left running (the hosts share this machine's process table).
            #expect(FlowerRuntimeTests.leftovers(fed).isEmpty, "Flower processes left running: \(FlowerRuntimeTests.leftovers(fed))")
        }
    }
}
