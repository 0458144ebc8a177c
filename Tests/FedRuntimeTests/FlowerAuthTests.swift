import FedHost
import FedPKI
import FedProcess
import Foundation
import Testing
@testable import FedRuntime
import FedTestSupport

/// SuperNode authentication with a real Flower SuperLink (flwr 1.42.0, TLS from a federation PKI
/// made here, `--enable-supernode-auth`) on 127.0.0.1: a SuperNode whose key fedplane made and
/// registered is admitted; one with a key nobody registered is refused. Needs a Python with
/// flwr 1.42.0: FEDPLANE_TEST_FLOWER_PYTHON (.ci/run makes a venv for it), else python3.
enum TestFlowerPython {
    static let candidate = ProcessInfo.processInfo.environment["FEDPLANE_TEST_FLOWER_PYTHON"] ?? "python3"
    static let interpreter: FlowerInterpreter? = try? FlowerEnvironment.check(host: LocalHost(), python: candidate)
}

@Suite(.serialized, .enabled(if: TestFlowerPython.interpreter != nil, "flwr 1.42.0 is not importable with \(TestFlowerPython.candidate) (see FlowerRuntimeTests: .ci/run makes /opt/fedplane-flwr)"))
struct FlowerAuthTests {

    // Off Swift's cooperative pool: it waits on processes for tens of seconds, and the suites'
    // in-process aggregators need the pool's two threads.
    @Test func aRegisteredSuperNodeIsAdmittedAndAnUnregisteredOneRefused() async throws { try await offPool { try Self().registeredAndUnregistered() } }
    func registeredAndUnregistered() throws {
        let python = try #require(TestFlowerPython.interpreter)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-flwr-auth-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = FederationPKI(directory: root.appendingPathComponent("pki"), federation: "auth-test")
        try pki.createAuthority()
        try pki.issue(.aggregator, addresses: ["127.0.0.1", "localhost"])

        let host = LocalHost()
        let marker = "auth-test.\(UUID().uuidString.prefix(8).lowercased())"
        defer { FlowerProcesses.stop(marker: marker, on: host, grace: 2) }
        let link = try FlowerSite.prepare(host: host, directory: root.appendingPathComponent("link").path, interpreter: python)
        let port = try FlowerRun.freePort(link)
        try link.start("flower-superlink", ["--host", "127.0.0.1", "--port", "\(port)", "--database", "\(link.directory)/superlink.db",
                                            "--disable-runtime-dependency-installation", "--enable-supernode-auth",
                                            "--ssl-ca-certfile", pki.caCertificateFile.path, "--ssl-certfile", pki.certificateFile(.aggregator).path,
                                            "--ssl-keyfile", pki.keyFile(.aggregator).path],
                       log: "superlink.log", pidFile: "superlink.pid", marker: marker)
        try FlowerRun.waitListening(link, port: port, what: "the SuperLink")
        let cli = try FlowerSite.prepare(host: host, directory: root.appendingPathComponent("cli").path, interpreter: python)
        try Data(FlowerConfig.connection(federation: "fedplane", address: "127.0.0.1:\(port)", rootCertificates: pki.caCertificateFile.path).utf8)
            .write(to: URL(fileURLWithPath: cli.home).appendingPathComponent("config.toml"))
        let starter = FlowerNodeStarter(run: 1, nodeCount: 2, address: "127.0.0.1:\(port)", linkCA: pki.caCertificateFile, federation: "fedplane",
                                        marker: marker, cli: cli, keysDirectory: root.appendingPathComponent("keys"),
                                        place: { _, vm in (host, root.appendingPathComponent(vm).path) }, interpreter: { _ in python },
                                        ca: { file, _, _ in file.path })

        // Two keys made on the node's host; only the first is registered.
        func node(_ name: String) throws -> (site: FlowerSite, key: String, publicKey: String) {
            let site = try FlowerSite.prepare(host: host, directory: root.appendingPathComponent(name).path, interpreter: python)
            let key = "\(site.directory)/auth/supernode.0.key"
            return (site, key, try FlowerNodeStarter.makeKey(at: key, on: site))
        }
        let admitted = try node("registered"), refused = try node("unregistered")
        let mode = try FileManager.default.attributesOfItem(atPath: admitted.key)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the private key's mode is \(String(mode ?? 0, radix: 8))")
        let nodeID = try starter.register(admitted.publicKey, name: "registered")
        #expect(!nodeID.isEmpty && nodeID.allSatisfy(\.isNumber), "\(nodeID)")
        for n in [admitted, refused] {
            try n.site.start("flower-supernode", ["--superlink", "127.0.0.1:\(port)", "--root-certificates", pki.caCertificateFile.path,
                                                  "--host", "127.0.0.1", "--port", "\(try FlowerRun.freePort(n.site))",
                                                  "--auth-supernode-private-key", n.key],
                             log: "supernode.log", pidFile: "supernode.pid", marker: marker)
        }
        // The unregistered SuperNode gives up (flwr exits 305: "Failed to activate SuperNode");
        // the registered one is activated under the id its registration returned and stays up.
        var waited = 0
        while refused.site.isAlive(pidFile: "supernode.pid") && waited < 600 { usleep(100_000); waited += 1 }
        #expect(!refused.site.isAlive(pidFile: "supernode.pid"), "the unregistered SuperNode is still running")
        // The whole log: on its way out the SuperNode interrupts its SuperExec child, whose
        // traceback (tens of lines when it was still importing) follows the refusal.
        func whole(_ path: String) -> String {
            FlowerNodeStarter.plain(String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self))
        }
        let refusedLog = whole(refused.site.directory + "/supernode.log")
        #expect(refusedLog.contains("Failed to activate SuperNode"), "\(refusedLog.suffix(3000))")
        // What apply would report for it.
        #expect(refused.site.exitReason("supernode.log").contains("Exit Code: 305"), "\(refused.site.exitReason("supernode.log"))")
        waited = 0
        // The SuperLink's whole log, as the refusal's: its last lines are whatever came after.
        let linkLog = { whole(link.directory + "/superlink.log") }
        while !linkLog().contains("Activated node_id=\(nodeID)") && waited < 600 { usleep(100_000); waited += 1 }
        #expect(linkLog().contains("Activated node_id=\(nodeID)"), "\(linkLog().suffix(3000))")
        #expect(admitted.site.isAlive(pidFile: "supernode.pid"), "\(admitted.site.tail("supernode.log", lines: 10))")
        #expect(linkLog().components(separatedBy: "Activated node_id=").count == 2, "more than one node was activated")

        // The private keys are in no log and not in the registration's files.
        let logs = [link.directory + "/superlink.log", admitted.site.directory + "/supernode.log", refused.site.directory + "/supernode.log"]
            + ((FileManager.default.enumerator(atPath: root.appendingPathComponent("keys").path)?.allObjects as? [String]) ?? [])
                .map { root.appendingPathComponent("keys/\($0)").path }
        for keyFile in [admitted.key, refused.key] {
            let body = try String(contentsOfFile: keyFile, encoding: .utf8).split(separator: "\n").first { !$0.hasPrefix("-----") }.map(String.init) ?? ""
            #expect(body.count >= 40)
            for log in logs {
                #expect(!((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(body.prefix(40)), "a private key is in \(log)")
            }
        }
    }

    @Test func nodeIDsAreReadExactlyAndLogColoursDropped() {
        #expect(FlowerNodeStarter.nodeID(in: #"{"success": true, "node-id": 17717596057494751237}"#) == "17717596057494751237")
        #expect(FlowerNodeStarter.nodeID(in: #"{"success": false}"#) == nil)
        #expect(FlowerNodeStarter.plain("\u{1B}[92mINFO \u{1B}[0m:      Task stopped.") == "INFO : Task stopped.")
    }

    /// A refused SuperNode's log as flwr 1.42.0 writes it (this suite's first test, once with the
    /// SuperExec child interrupted while importing): the reason is the ERROR record, not the tail.
    @Test func aFlowerProcessExitReasonIsItsErrorNotItsChildsFarewell() {
        let refusal = """
            INFO : Starting Flower SuperNode
            ERROR : Exit Code: 305
            Failed to initialize the connection to the SuperLink.
            [code: 2004] Failed to activate SuperNode.
            The SuperNode could not establish a connection to the SuperLink.

            For more information, visit: <https://flower.ai/docs/framework/1.42/en/ref-exit-codes/305.html>
            INFO: Shutting down
            INFO : Starting Flower SuperExec
            """
        let expected = "ERROR : Exit Code: 305 / Failed to initialize the connection to the SuperLink. / [code: 2004] Failed to activate SuperNode. / The SuperNode could not establish a connection to the SuperLink."
        #expect(FlowerSite.exitReason(log: refusal + "\nWARNING : Connection attempt failed, retrying in 0.99 seconds\nINFO : SuperExec terminated gracefully.") == expected)
        #expect(FlowerSite.exitReason(log: refusal + "\nTraceback (most recent call last):\n  File \"run_superexec.py\", line 207, in run_superexec\nKeyboardInterrupt") == expected)
        // The explanation ends at the next record when no blank line ends it first.
        #expect(FlowerSite.exitReason(log: "ERROR : Exit Code: 300\nNo SuperLink.\nINFO : Starting Flower SuperExec\nmore") == "ERROR : Exit Code: 300 / No SuperLink.")
        #expect(FlowerSite.exitReason(log: "ERROR : Exit Code: 300\nNo SuperLink.\nTraceback (most recent call last):\nKeyboardInterrupt") == "ERROR : Exit Code: 300 / No SuperLink.")
        // No exit record (killed from outside, after a recoverable ERROR): the last lines, blank ones skipped.
        #expect(FlowerSite.exitReason(log: "ERROR : ClientApp raised an exception\nINFO : Round 2 received\nINFO : Round 3 received\n\n")
                == "ERROR : ClientApp raised an exception / INFO : Round 2 received / INFO : Round 3 received")
        #expect(FlowerSite.exitReason(log: "INFO : a\nINFO : b\nINFO : c\nINFO : d") == "INFO : b / INFO : c / INFO : d")
        #expect(FlowerSite.exitReason(log: "") == "")
    }
}
