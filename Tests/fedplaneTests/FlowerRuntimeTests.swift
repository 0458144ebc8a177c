import Foundation
import Testing
import FedTestSupport

/// `training.runtime: flower` end to end on the embedded local provider: the real fedplane
/// binary applies a spec running examples/flower-app with a real Flower SuperLink and SuperNodes
/// on 127.0.0.1 (flwr 1.42.0, offline). Needs a Python with flwr==1.42.0, numpy and scikit-learn:
/// FEDPLANE_TEST_FLOWER_PYTHON (.ci/run makes a venv for it), else python3.
/// The Python the Flower tests use, when it has flwr 1.42.0, numpy and scikit-learn.
enum FlowerPython {
    static let candidate = ProcessInfo.processInfo.environment["FEDPLANE_TEST_FLOWER_PYTHON"] ?? "python3"

    static let path: String? = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [candidate, "-c", "import numpy, sklearn; from importlib.metadata import version; import flwr; assert version('flwr') == '1.42.0'"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        return p.terminationStatus == 0 ? candidate : nil
    }()

    static let skipMessage: Comment = "flwr 1.42.0 is not importable with \(candidate): make a venv with it (`python3 -m venv /opt/fedplane-flwr && /opt/fedplane-flwr/bin/pip install flwr==1.42.0 numpy scikit-learn`) and set FEDPLANE_TEST_FLOWER_PYTHON=/opt/fedplane-flwr/bin/python3, as .ci/run does"
}

@Suite(.serialized, .enabled(if: FlowerPython.path != nil, FlowerPython.skipMessage))
struct FlowerRuntimeTests {
    static var python: String? { FlowerPython.path }

    /// `sites` participants (site-a, site-b, …), each with two VMs; `rounds` rounds.
    static func spec(runConfig: String, app: String = CLI.repoRoot.appendingPathComponent("examples/flower-app").path, sites: Int = 2, rounds: Int = 2) -> String {
        let names = (0..<sites).map { "site-" + String(UnicodeScalar(UInt8(97 + $0))) }
        let locations = ["aws/us-east-1", "aws/eu-west-1", "aws/ap-northeast-1"]
        let clouds = names.map { "  \($0): { provider: local }" }.joined(separator: "\n")
        let vm = "{ vcpu: 2, memoryGiB: 4, diskGiB: 20 }"
        let participants = names.enumerated().map { i, n in
            "  - { name: \(n), cloud: \(n), location: \(locations[i % 3]), vms: [{ id: vm-001, \(vm.dropFirst(2)), { id: vm-002, \(vm.dropFirst(2))] }"
        }.joined(separator: "\n")
        return """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: quickstart }   # the name Federation's state paths expect
        policy: { allowPrivateAggregator: true }
        clouds:
          lab: { provider: local }
        \(clouds)
        aggregator:
          candidates: { clouds: [lab] }
        participants:
        \(participants)
        training:
          rounds: \(rounds)
          runtime: flower
          flower:
            app: \(app)
            python: \(python ?? "python3")
            runConfig: { num-server-rounds: \(rounds), \(runConfig) }

        """
    }

    /// Processes on this machine whose environment carries the run's marker (the SuperLink, the
    /// SuperNodes, and whatever they started).
    static func leftovers(_ fed: Federation) -> [String] {
        guard let marker = try? String(contentsOf: fed.localRoot.appendingPathComponent("run/1/flower/marker"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), !marker.isEmpty else { return ["(no marker file)"] }
        let needle = Array("FEDPLANE_FLOWER=\(marker)".utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
            guard Int(pid) != nil, let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return env.split(separator: 0).contains { Array($0) == needle }
        }
    }

    /// Runs a program and returns its standard output.
    static func tool(_ program: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + arguments
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The issue's end-to-end test and its SuperNode failure in one apply (each costs a minute of
    /// Flower start-up and rounds): 3 SuperNodes, 3 rounds; site-b's SuperNode is killed mid-run
    /// and the run completes with its replacement on site-b's next VM.
    @Test func aFlowerAppRunsToCompletionWithAKilledSuperNodeReplaced() async throws {
        // The example as a pre-1.42 app still naming a federation in its pyproject.toml, which
        // `flwr run` would comment out in place: the user's tree must stay as it is.
        let scratch = try TempDir()
        let app = scratch.url.appendingPathComponent("app")
        try FileManager.default.copyItem(at: CLI.repoRoot.appendingPathComponent("examples/flower-app"), to: app)
        let pyproject = app.appendingPathComponent("pyproject.toml")
        let legacy = try String(contentsOf: pyproject, encoding: .utf8)
            + "\n[tool.flwr.federations]\ndefault = \"local\"\n\n[tool.flwr.federations.local]\naddress = \"127.0.0.1:9093\"\ninsecure = true\n"
        try Data(legacy.utf8).write(to: pyproject)
        let fed = try Federation(Self.spec(runConfig: "local-epochs: 10", app: app.path, sites: 3, rounds: 3))
        let mark = UUID().uuidString
        let (p, outPipe, err) = try fed.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_MARK": mark])
        defer { SignalTests.killAll(marked: mark) }
        nonisolated(unsafe) var stdout = Data(), stderr = Data()
        let drained = DispatchGroup()
        DispatchQueue.global().async(group: drained) { stdout = outPipe.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: drained) { stderr = err.fileHandleForReading.readDataToEndOfFile() }
        // Once the run has started, site-b's SuperNode dies (SIGKILL: no goodbye to the SuperLink).
        let started = fed.localRoot.appendingPathComponent("run/1/flower/flower-run-id")
        let pidFile = fed.localRoot.appendingPathComponent("participant/site-b/vms/vm-001/flower/run-1/supernode.pid")
        let killed = try await offPool { () -> Bool in
            guard SignalTests.until(180, { FileManager.default.fileExists(atPath: started.path) || !p.isRunning }), p.isRunning,
                  let pid = Int32((try? String(contentsOf: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else { return false }
            return kill(pid, SIGKILL) == 0
        }
        #expect(killed, "site-b's SuperNode was not running when the Flower run started")
        let exited = try await offPool { SignalTests.waitForExit(p, seconds: 600) }
        drained.wait()
        let text = String(decoding: stderr, as: UTF8.self)
        #expect(exited && p.terminationStatus == 0, "\(String(decoding: stdout, as: UTF8.self))\n\(text)")
        #expect(try String(contentsOf: pyproject, encoding: .utf8) == legacy, "flwr run changed the user's pyproject.toml")
        #expect(text.contains("Flower run") && text.contains("completed"), "\(text)")
        #expect(text.contains("the Flower SuperNode of site-b on vm-001 exited") && text.contains("replaced on vm-002"), "\(text)")
        let observed = try fed.sql("SELECT attributes FROM resources WHERE address = 'run.1'")
        #expect(observed.contains(#""supernodeVMs":{"site-a":"vm-001","site-b":"vm-002","site-c":"vm-001"}"#), "\(observed)")
        #expect(FileManager.default.fileExists(atPath: fed.localRoot.appendingPathComponent("participant/site-b/vms/vm-002/flower/run-1/supernode.1.log").path))
        #expect(try fed.sql("SELECT status FROM runs WHERE run = 1") == "succeeded")
        // Each round's metrics; the round the SuperNode died in may have gone on without it, the
        // last one has all three (the replacement joined).
        let rounds = try fed.sql("SELECT round || ':' || aggregation FROM rounds WHERE run = 1 AND loss IS NOT NULL AND accuracy IS NOT NULL AND f1 IS NOT NULL ORDER BY round")
        #expect(rounds == "1:flower\n2:flower\n3:flower", "\(rounds)")
        #expect(try fed.sql("SELECT participants FROM rounds WHERE run = 1 AND round = 3") == "3")
        // Round 2 measured the model round 1 produced: better than the all-zero start.
        let acc = try fed.sql("SELECT accuracy FROM rounds WHERE run = 1 ORDER BY round").split(separator: "\n").compactMap { Double($0) }
        #expect(acc.count == 3 && acc[1] > acc[0], "\(acc)")
        let id = try fed.sql("SELECT id FROM models WHERE run = 1 AND round = 3")
        #expect(id.count == 64)
        // The final model carries its own metrics (the app's final evaluation): `models best` picks it.
        let best = try fed.run(["models", "best", "--json"])
        #expect(best.status == 0 && best.stdout.contains(id), "\(best.stdout)\(best.stderr)")
        let list = try fed.run(["models", "list"])
        #expect(list.status == 0 && list.stdout.contains(String(id.prefix(12))), "\(list.stdout)\(list.stderr)")
        // The pulled model loads in NumPy with the example's shapes.
        let out = fed.dir.url.appendingPathComponent("final.safetensors")
        let pull = try fed.run(["models", "pull", String(id.prefix(12)), "-o", out.path])
        #expect(pull.status == 0, "\(pull.stderr)")
        let check = try Self.tool(Self.python ?? "python3", ["-c", """
            import json, struct, sys, numpy as np
            b = open(sys.argv[1], 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n])
            w = np.frombuffer(b[8 + n:][slice(*h['weight']['data_offsets'])], dtype='<f4')
            print(h['weight']['shape'], h['bias']['shape'], bool(np.abs(w).sum() > 0))
            """, out.path])
        #expect(check.trimmingCharacters(in: .whitespacesAndNewlines) == "[30] [1] True", "\(check)")
        #expect(Self.leftovers(fed).isEmpty, "Flower processes left running: \(Self.leftovers(fed))")
        // The SuperLink's private key is referenced by path, never copied into the state, the
        // run's files or the logs.
        let key = try String(contentsOf: fed.dir.url.appendingPathComponent(".fedplane/quickstart-pki/aggregator.key"), encoding: .utf8)
        let body = try #require(key.split(separator: "\n").first { !$0.hasPrefix("-----") && $0.count >= 40 })
        #expect(try fed.sql("SELECT count(*) FROM resources WHERE attributes LIKE '%\(body.prefix(40))%'") == "0")
        let runFiles = FileManager.default.enumerator(atPath: fed.localRoot.path)?.allObjects as? [String] ?? []
        let holding = runFiles.filter { ((try? String(contentsOf: fed.localRoot.appendingPathComponent($0), encoding: .utf8)) ?? "").contains(String(body)) }
        #expect(holding.isEmpty, "the aggregator's key is in \(holding)")
        // The logs are kept: the SuperLink's on the aggregator's host, each SuperNode's on its VM.
        let logs = (FileManager.default.enumerator(atPath: fed.localRoot.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".log") }
        #expect(logs.contains { $0.hasSuffix("superlink.log") } && logs.filter { $0.hasSuffix("supernode.log") }.count == 3, "\(logs)")
        // Each SuperNode's authentication key stayed on its VM: 0600, and not in the state.
        let keys = runFiles.filter { $0.hasSuffix(".key") && $0.contains("/auth/supernode.") }
        #expect(keys.count == 4, "\(keys)")
        for k in keys {
            let path = fed.localRoot.appendingPathComponent(k).path
            #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600, "\(k)")
            let line = try #require(String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first { !$0.hasPrefix("-----") })
            #expect(try fed.sql("SELECT count(*) FROM resources WHERE attributes LIKE '%\(line.prefix(40))%'") == "0")
            #expect(!text.contains(line.prefix(40)), "a SuperNode's private key was printed")
        }
    }

    @Test func aFailingFlowerAppFailsApplyWithItsError() async throws {
        let fed = try Federation(Self.spec(runConfig: "fail: true"))
        let r = try await offPool { try fed.run(["apply", "--auto-approve"]) }
        #expect(r.status != 0, "\(r.stdout)")
        #expect(r.stderr.contains("finished:failed") && r.stderr.contains("the example app was asked to fail"), "\(r.stderr)")
        #expect(try fed.sql("SELECT status FROM runs WHERE run = 1") == "failed")
        #expect(try fed.sql("SELECT count(*) FROM models") == "0")
        #expect(Self.leftovers(fed).isEmpty, "Flower processes left running: \(Self.leftovers(fed))")
    }

    @Test func sigintMidRunStopsEveryFlowerProcessAndRecordsTheRunCancelled() async throws {
        let fed = try Federation(Self.spec(runConfig: "local-epochs: 1"))
        let mark = UUID().uuidString
        let (p, _, err) = try fed.start(["apply", "--auto-approve"], env: ["FEDPLANE_TEST_MARK": mark])
        defer { SignalTests.killAll(marked: mark) }
        // Drained as it comes, so a full pipe never blocks the apply.
        nonisolated(unsafe) var stderr = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { stderr = err.fileHandleForReading.readDataToEndOfFile(); drained.signal() }
        let started = fed.localRoot.appendingPathComponent("run/1/flower/flower-run-id")
        #expect(SignalTests.until(120) { FileManager.default.fileExists(atPath: started.path) || !p.isRunning }, "the Flower run never started")
        kill(p.processIdentifier, SIGINT)
        #expect(SignalTests.waitForExit(p, seconds: 60), "apply did not end after SIGINT")
        drained.wait()
        let text = String(decoding: stderr, as: UTF8.self)
        #expect(p.terminationStatus == 128 + SIGINT, "\(text)")
        #expect(text.contains("interrupted by SIGINT: run.1 (Flower runtime) stopped after round"), "\(text)")
        #expect(try fed.sql("SELECT status FROM runs WHERE run = 1") == "cancelled")
        #expect(Self.leftovers(fed).isEmpty, "Flower processes left running: \(Self.leftovers(fed))")
        #expect(SignalTests.processes(marked: mark).isEmpty, "processes of the apply survived: \(SignalTests.processes(marked: mark))")
    }

    @Test func aMissingInterpreterIsReportedBeforeAnyProcessStarts() async throws {
        let fed = try Federation(Self.spec(runConfig: "local-epochs: 1").replacingOccurrences(of: "python: \(Self.python ?? "python3")", with: "python: /nonexistent/flwr-venv"))
        let r = try await offPool { try fed.run(["apply", "--auto-approve"]) }
        #expect(r.status != 0)
        #expect(r.stderr.contains("training.flower.python: /nonexistent/flwr-venv is not a Python interpreter on this machine"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fed.localRoot.appendingPathComponent("run/1/flower/marker").path))
    }
}
