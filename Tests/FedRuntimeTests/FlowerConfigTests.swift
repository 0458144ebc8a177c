import FedHost
import FedSpec
import Foundation
import Testing
@testable import FedRuntime

/// What fedplane writes for Flower (the CLI's connection, the run config, node configs), how it
/// reads the ServerApp's rounds, the environment check, and stopping by the run's marker.
@Suite struct FlowerConfigTests {
    @Test func theConnectionNamesTheSuperLinkAndItsCA() {
        #expect(FlowerConfig.connection(federation: "fedplane", address: "127.0.0.1:9093", rootCertificates: "/pki/ca.crt") == """
            [superlink]
            default = "fedplane"

            [superlink.fedplane]
            address = "127.0.0.1:9093"
            root-certificates = "/pki/ca.crt"

            """)
        #expect(FlowerConfig.connection(federation: "lab", address: "10.0.0.5:9093", rootCertificates: nil).hasSuffix("address = \"10.0.0.5:9093\"\ninsecure = true\n"))
    }

    @Test func theRunConfigIsTOMLWithFedplanesKeysLast() {
        let entries: [FlowerSpec.RunConfigEntry] = [
            .init(key: "local-epochs", value: .integer(3)), .init(key: "lr", value: .number(2)), .init(key: "tiny", value: .number(1e-5)),
            .init(key: "name", value: .string("a \"quoted\" \\ path\n")), .init(key: "fail", value: .bool(false)), .init(key: "a.b c", value: .bool(true)),
        ]
        #expect(FlowerConfig.runConfig(entries, metricsPath: "/w/metrics.jsonl", modelPath: "/w/model.safetensors", nodes: 3) == """
            local-epochs = 3
            lr = 2.0
            tiny = 1e-05
            name = "a \\"quoted\\" \\\\ path\\n"
            fail = false
            "a.b c" = true
            fedplane-metrics-path = "/w/metrics.jsonl"
            fedplane-model-path = "/w/model.safetensors"
            fedplane-nodes = 3

            """)
        #expect(!FlowerConfig.runConfig([], metricsPath: "m", modelPath: "p", nodes: nil).contains("fedplane-nodes"))
    }

    @Test func nodeConfigCarriesThePartitionAndTheDataPathQuoted() throws {
        #expect(try FlowerConfig.nodeConfig(partition: 1, of: 3, dataPath: nil) == "partition-id=1 num-partitions=3")
        #expect(try FlowerConfig.nodeConfig(partition: 0, of: 2, dataPath: "/data/my site.csv") == "partition-id=0 num-partitions=2 data-path='/data/my site.csv'")
        #expect(throws: FlowerConfig.Unquotable.self) { try FlowerConfig.nodeConfig(partition: 0, of: 1, dataPath: "/data/o'brien.csv") }
    }

    @Test func metricsLinesAreReadAndIncompleteOnesSkipped() {
        let text = """
            {"round": 1, "loss": 0.69, "accuracy": 0.5, "participants": 2, "samples": 320}
            not json
            {"round": 2, "f1": 0.9, "precision": 0.8, "recall": 1}
            {"round": 0}
            {"final": true, "accuracy": 0.93, "participants": 2}
            {"round": 3, "loss": 0.3
            """
        let lines = FlowerMetrics.parse(text)
        #expect(lines == [
            .init(round: 1, loss: 0.69, accuracy: 0.5, precision: nil, recall: nil, f1: nil, participants: 2, samples: 320),
            .init(round: 2, loss: nil, accuracy: nil, precision: 0.8, recall: 1, f1: 0.9, participants: nil, samples: nil),
            .init(round: 0, loss: nil, accuracy: 0.93, precision: nil, recall: nil, f1: nil, participants: 2, samples: nil, final: true),
        ])
        #expect(lines.last?.metrics.canonical == #"{"accuracy":0.93,"participants":2}"#)
    }

    @Test func aMissingInterpreterOrMissingFlwrIsNamedWithHostAndCommand() throws {
        let missing = #expect(throws: FlowerEnvironment.Problem.self) { try FlowerEnvironment.check(host: LocalHost(), python: "/nonexistent/venv") }
        #expect(missing?.description.contains("/nonexistent/venv is not a Python interpreter on this machine") == true, "\(String(describing: missing))")
        #expect(missing?.description.contains("pip install flwr==\(FlowerSpec.flwrVersion)") == true)

        // A real venv without flwr (no pip: quick to make).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-noflwr-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try LocalHost().shell("python3 -m venv --without-pip \(Shell.quote(dir.path))", input: nil, timeout: 120)
        try #require(made.status == 0, "\(made.tail)")
        let noFlwr = #expect(throws: FlowerEnvironment.Problem.self) { try FlowerEnvironment.check(host: LocalHost(), python: dir.path) }
        #expect(noFlwr?.description.contains("flwr is not importable with \(dir.path)/bin/python3 on this machine") == true, "\(String(describing: noFlwr))")
        #expect(noFlwr?.description.contains("-m pip install flwr==1.42.0") == true)
    }

    /// A process that detaches into its own session (as flower-superexec does) escapes a
    /// process-group kill; the marker in its environment still finds it.
    @Test func stoppingByMarkerReachesDetachedDescendants() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-marker-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = "test.\(UUID().uuidString.prefix(8))"
        let host = LocalHost()
        _ = try host.startDetached(["env", "\(FlowerProcesses.markerName)=\(marker)", "sh", "-c", "setsid sleep 300 & sleep 300"],
                                   in: dir.path, log: "p.log", pidFile: "p.pid")
        var found: [Int] = []
        for _ in 0..<50 where found.count < 3 {
            found = FlowerProcesses.running(marker: marker, on: host)
            usleep(100_000)
        }
        #expect(found.count == 3, "\(found)")   // sh and both sleeps
        FlowerProcesses.stop(marker: marker, on: host, grace: 2)
        #expect(FlowerProcesses.running(marker: marker, on: host).isEmpty)
    }
}
