import FedTrain
import FedWeights
import Foundation
import Testing

/// The external-command contract with small shell programs (no Python needed).
@Suite("External command trainer")
struct ExternalTrainerTests {
    let global = LogisticRegressionTrainer(features: 30, classes: 2).initialWeights(seed: 7)

    func trainer(_ script: String, timeout: Double = 30) -> ExternalCommandTrainer {
        ExternalCommandTrainer(command: ["/bin/sh", "-c", script], classCount: 2, timeout: timeout, killGracePeriod: 1,
                               readWeights: TestSafetensors.read, writeWeights: TestSafetensors.write)
    }

    func context(dataDirectory: URL? = nil) -> RoundContext {
        RoundContext(round: 3, participant: "hospital-b", participantIndex: 1, participants: 3, epochs: 2,
                     batchSize: 16, learningRate: 0.05, seed: 123_456_789_012, dataDirectory: dataDirectory)
    }

    static let goodMetrics = #"{"samples": 5, "loss": 0.4, "confusion": [[2, 1], [0, 2]], "train_samples": 20}"#

    @Test("a program that echoes the global model back: the files, variables and working directory")
    func contract() throws {
        let dir = try TestPaths.temporaryDirectory("contract")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        let script = """
            set -e
            env | grep '^FEDPLANE_' | grep -v '^FEDPLANE_TEST_' | sort > vars.txt
            pwd > cwd.txt
            cp "$FEDPLANE_WEIGHTS_IN" "$FEDPLANE_WEIGHTS_OUT"
            printf '%s' '\(Self.goodMetrics)' > "$FEDPLANE_METRICS_OUT"
            echo trained
            """
        let u = try trainer(script).runRound(global: global, context: context(dataDirectory: data), workingDirectory: dir)
        #expect(u.weights == global)
        #expect(u.trainSamples == 20)
        #expect(u.evaluation == Evaluation(samples: 5, loss: 0.4, confusion: [[2, 1], [0, 2]]))

        let round = dir.appendingPathComponent("rounds/3")
        // The contract's variables (test-support settings of this test process, FEDPLANE_TEST_*,
        // are inherited like any other environment variable and left out).
        let vars = try String(contentsOf: dir.appendingPathComponent("vars.txt"), encoding: .utf8)
        let env = Dictionary(uniqueKeysWithValues: vars.split(separator: "\n").map { line -> (String, String) in
            let parts = line.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        })
        #expect(env == [
            "FEDPLANE_WEIGHTS_IN": round.appendingPathComponent("global.safetensors").path,
            "FEDPLANE_WEIGHTS_OUT": round.appendingPathComponent("update.safetensors").path,
            "FEDPLANE_METRICS_OUT": round.appendingPathComponent("metrics.json").path,
            "FEDPLANE_ROUND": "3",
            "FEDPLANE_PARTICIPANT": "hospital-b",
            "FEDPLANE_PARTICIPANT_INDEX": "1",
            "FEDPLANE_PARTICIPANTS": "3",
            "FEDPLANE_EPOCHS": "2",
            "FEDPLANE_BATCH_SIZE": "16",
            "FEDPLANE_LEARNING_RATE": "0.05",
            "FEDPLANE_SEED": "123456789012",
            "FEDPLANE_DATA_DIR": data.path,
        ])
        let cwd = try String(contentsOf: dir.appendingPathComponent("cwd.txt"), encoding: .utf8)
        #expect(URL(fileURLWithPath: cwd.trimmingCharacters(in: .newlines)).resolvingSymlinksInPath().path
                == dir.resolvingSymlinksInPath().path)
        let stdout = try String(contentsOf: round.appendingPathComponent("stdout.log"), encoding: .utf8)
        #expect(stdout == "trained\n")
        // Without a data directory the variable is absent.
        _ = try trainer(script).runRound(global: global, context: context(), workingDirectory: dir)
        let vars2 = try String(contentsOf: dir.appendingPathComponent("vars.txt"), encoding: .utf8)
        #expect(!vars2.contains("FEDPLANE_DATA_DIR"))
    }

    @Test("a failing program: its exit status and the end of its stderr")
    func failure() throws {
        let dir = try TestPaths.temporaryDirectory("fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: ExternalTrainerError.self) {
            _ = try trainer("echo 'out of memory on the GPU' >&2; exit 3").runRound(global: global, context: context(), workingDirectory: dir)
        }
        #expect(error == .failed(exitStatus: 3, stderrTail: "out of memory on the GPU"))
        #expect(error?.description.contains("exited with status 3") == true)
    }

    @Test("a program that hangs is stopped at the timeout")
    func timeout() throws {
        let dir = try TestPaths.temporaryDirectory("timeout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = Date()
        let error = #expect(throws: ExternalTrainerError.self) {
            _ = try trainer("echo started >&2; sleep 60; echo never", timeout: 1).runRound(global: global, context: context(), workingDirectory: dir)
        }
        #expect(error == .timedOut(seconds: 1, stderrTail: "started"))
        #expect(Date().timeIntervalSince(start) < 15)
        let stdout = try String(contentsOf: dir.appendingPathComponent("rounds/3/stdout.log"), encoding: .utf8)
        #expect(stdout.isEmpty)
    }

    @Test("missing, stale or invalid outputs are errors")
    func badOutputs() throws {
        let dir = try TestPaths.temporaryDirectory("outputs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ctx = context()
        let copyWeights = #"cp "$FEDPLANE_WEIGHTS_IN" "$FEDPLANE_WEIGHTS_OUT"; "#
        func run(_ script: String) throws { _ = try trainer(script).runRound(global: global, context: ctx, workingDirectory: dir) }

        // No update; no metrics.
        #expect(throws: ExternalTrainerError.self) { _ = try run("printf '%s' '\(Self.goodMetrics)' > \"$FEDPLANE_METRICS_OUT\"") }
        #expect(throws: ExternalTrainerError.self) { _ = try run(copyWeights) }
        // Outputs left by an earlier attempt do not count.
        try run(copyWeights + "printf '%s' '\(Self.goodMetrics)' > \"$FEDPLANE_METRICS_OUT\"")
        let missing = #expect(throws: ExternalTrainerError.self) { _ = try run("true") }
        #expect(missing?.description.contains("FEDPLANE_WEIGHTS_OUT") == true)

        // Metrics that do not add up, have the wrong class count, no train_samples, or are not JSON.
        for metrics in [
            #"{"samples": 6, "loss": 0.4, "confusion": [[2, 1], [0, 2]], "train_samples": 20}"#,
            #"{"samples": 1, "loss": 0.4, "confusion": [[1]], "train_samples": 20}"#,
            #"{"samples": 5, "loss": 0.4, "confusion": [[2, 1], [0, 2]]}"#,
            #"{"samples": 5, "loss": 0.4, "confusion": [[2, 1], [0, 2]], "train_samples": 0}"#,
            #"{"samples": 5, "loss": -1, "confusion": [[2, 1], [0, 2]], "train_samples": 20}"#,
            #"loss=0.4"#,
        ] {
            let e = #expect(throws: ExternalTrainerError.self) { _ = try run(copyWeights + "printf '%s' '\(metrics)' > \"$FEDPLANE_METRICS_OUT\"") }
            if case .invalidMetrics = e {} else { Issue.record("\(metrics): \(String(describing: e))") }
        }

        // An update whose shapes, names or values do not match the global model.
        var wrongShape = global
        wrongShape.tensors[0].tensor = Tensor(zeros: [2, 29])
        var wrongName = global
        wrongName.tensors[1].name = "linear.b"
        var notFinite = global
        notFinite.tensors[1].tensor.values[0] = .infinity
        for (k, bad) in [wrongShape, wrongName, notFinite].enumerated() {
            let file = dir.appendingPathComponent("bad\(k).safetensors")
            try TestSafetensors.write(bad, to: file)
            let e = #expect(throws: ExternalTrainerError.self) {
                _ = try run("cp '\(file.path)' \"$FEDPLANE_WEIGHTS_OUT\"; printf '%s' '\(Self.goodMetrics)' > \"$FEDPLANE_METRICS_OUT\"")
            }
            if case .invalidWeights = e {} else { Issue.record("bad update \(k): \(String(describing: e))") }
        }
        // Not a safetensors file at all.
        let e = #expect(throws: ExternalTrainerError.self) {
            _ = try run("echo nonsense > \"$FEDPLANE_WEIGHTS_OUT\"; printf '%s' '\(Self.goodMetrics)' > \"$FEDPLANE_METRICS_OUT\"")
        }
        if case .invalidWeights = e {} else { Issue.record("nonsense update: \(String(describing: e))") }
    }

    @Test("an update in another tensor order comes back in the global model's order")
    func reorder() throws {
        let reversed = ModelWeights(tensors: global.tensors.reversed(), metadata: ["by": "test"])
        let checked = try ExternalCommandTrainer.checkUpdate(reversed, against: global)
        #expect(checked.tensors.map(\.name) == global.tensors.map(\.name))
        #expect(checked.metadata == ["by": "test"])
    }

    @Test("a command that cannot be found or is empty")
    func notFound() throws {
        let dir = try TestPaths.temporaryDirectory("notfound")
        defer { try? FileManager.default.removeItem(at: dir) }
        for command in [["no-such-trainer-\(UUID().uuidString)"], ["./missing.sh"], []] {
            let t = ExternalCommandTrainer(command: command, classCount: 2, timeout: 5,
                                           readWeights: TestSafetensors.read, writeWeights: TestSafetensors.write)
            #expect(throws: ExternalTrainerError.self) { _ = try t.runRound(global: global, context: context(), workingDirectory: dir) }
        }
    }
}

/// The NumPy example (examples/numpy-trainer/train.py) through the contract, end to end.
/// NEEDS python3 with numpy and safetensors (`python3 -m pip install numpy safetensors`); fails
/// without them unless FEDTRAIN_SKIP_PYTHON=1.
@Suite("NumPy example trainer (needs python3 + numpy + safetensors)")
struct NumPyExampleTests {
    @Test("trains on a participant's split and reports the global model's validation metrics",
          .enabled(if: !PythonEnvironment.skipRequested, "FEDTRAIN_SKIP_PYTHON=1"))
    func endToEnd() throws {
        if let problem = PythonEnvironment.problem {
            Issue.record(Comment(rawValue: problem))
            return
        }
        let root = try #require(TestPaths.repoRoot, "repository root not found (set FEDTRAIN_REPO_ROOT)")
        let script = root.appendingPathComponent("examples/numpy-trainer/train.py")

        let split = FederatedSplit(participants: 3, seed: 7)
        let parts = try split.allParticipants()
        let me = parts[1]
        let builtin = LogisticRegressionTrainer(features: 30, classes: 2)
        // A real global model: the built-in trainer's, on the other participants' training data
        // (everyone scales with the same reference range, so their rows can be pooled here).
        let others = parts[0].transform.apply(to: Dataset.wdbc.subset(parts[0].trainIndices + parts[2].trainIndices))
        var global = try builtin.train(builtin.initialWeights(seed: 7), on: others, epochs: 5, batchSize: 32,
                                       learningRate: 0.1, seed: 1)
        global.metadata = ["round": "1"]

        let dir = try TestPaths.temporaryDirectory("numpy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let dataDir = dir.appendingPathComponent("data")
        try me.writeCSVFiles(to: dataDir)
        let ctx = RoundContext(round: 2, participant: "hospital-b", participantIndex: 1, participants: 3, epochs: 5,
                               batchSize: 16, learningRate: 0.1,
                               seed: RoundContext.taskSeed(runSeed: 7, round: 2, participantIndex: 1), dataDirectory: dataDir)
        let trainer = ExternalCommandTrainer(command: ["python3", script.path], classCount: 2, timeout: 120,
                                             readWeights: TestSafetensors.read, writeWeights: TestSafetensors.write)
        let u = try trainer.runRound(global: global, context: ctx, workingDirectory: dir)

        // The update: the same tensors, trained (changed), and it still classifies well.
        #expect(tensorNamesAndShapes(u.weights) == ["linear.weight[2, 30]", "linear.bias[2]"])
        #expect(u.weights.tensors.map(\.tensor) != global.tensors.map(\.tensor))
        #expect(u.weights.metadata["trainer"] == "examples/numpy-trainer")
        #expect(u.weights.metadata["participant"] == "hospital-b")
        #expect(u.trainSamples == me.train.count)
        let updated = try builtin.evaluate(u.weights, on: me.validation)
        #expect(updated.accuracy > 0.85, "update's validation accuracy \(updated.accuracy)")
        let updatedOnTrain = try builtin.evaluate(u.weights, on: me.train)
        let globalOnTrain = try builtin.evaluate(global, on: me.train)
        #expect(updatedOnTrain.loss < globalOnTrain.loss, "training on the local split lowers its loss")

        // The reported metrics are the global model's on this validation split, as Swift computes them.
        let swiftSide = try builtin.evaluate(global, on: me.validation)
        #expect(u.evaluation.samples == me.validation.count)
        #expect(u.evaluation.confusion == swiftSide.confusion)
        #expect(abs(u.evaluation.loss - swiftSide.loss) < 1e-4, "loss \(u.evaluation.loss) vs \(swiftSide.loss)")
        #expect(u.evaluation.accuracy > 0.7)

        // Same inputs, same seed: the same update (NumPy's generator is seeded with FEDPLANE_SEED).
        let again = try trainer.runRound(global: global, context: ctx, workingDirectory: dir)
        #expect(again.weights == u.weights)
    }
}
