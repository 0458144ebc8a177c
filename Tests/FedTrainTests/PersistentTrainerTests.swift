import FedTrain
import FedWeights
import Foundation
import Testing

/// The persistent mode with a small shell program speaking the line protocol: one process takes
/// many rounds; a crash, a hang or a reported failure fails the round and the next round starts
/// a new process; stop ends it.
@Suite("Persistent external trainer")
struct PersistentTrainerTests {
    let global = LogisticRegressionTrainer(features: 30, classes: 2).initialWeights(seed: 7)

    /// Copies its input to its output. Round 5 makes it exit, round 6 hang, round 7 report a failure.
    static let program = #"""
        echo "$$" >> pids.txt
        echo "${FEDPLANE_TRAINER_MODE:-}" > mode.txt
        while IFS= read -r line; do
          val() { printf '%s' "$line" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
          id=$(val id)
          case "$(val FEDPLANE_ROUND)" in
            5) echo "crashing" >&2; exit 7 ;;
            6) sleep 100 ;;
            7) echo "{\"id\":\"$id\",\"ok\":false,\"error\":\"no GPU\"}"; continue ;;
          esac
          echo '{"id":"someone-else","ok":true}'
          echo "progress lines go to stderr" >&2
          cp "$(val FEDPLANE_WEIGHTS_IN)" "$(val FEDPLANE_WEIGHTS_OUT)"
          printf '%s' '{"samples": 5, "loss": 0.4, "confusion": [[2, 1], [0, 2]], "train_samples": 20}' > "$(val FEDPLANE_METRICS_OUT)"
          echo "{\"id\":\"$id\",\"ok\":true}"
        done
        """#

    func trainer(timeout: Double = 20) -> ExternalCommandTrainer {
        ExternalCommandTrainer(command: ["/bin/sh", "-c", Self.program], classCount: 2, timeout: timeout, killGracePeriod: 1,
                               persistent: true, readWeights: TestSafetensors.read, writeWeights: TestSafetensors.write)
    }

    func context(round: Int) -> RoundContext {
        RoundContext(round: round, participant: "hospital-b", participantIndex: 1, participants: 3, epochs: 1,
                     batchSize: 16, learningRate: 0.05, seed: 42, dataDirectory: nil)
    }

    func pids(_ dir: URL) -> [String] {
        ((try? String(contentsOf: dir.appendingPathComponent("pids.txt"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func alive(_ pid: String) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !text.contains(") Z ")
    }

    @Test func oneProcessTakesEveryRoundUntilStopped() throws {
        let dir = try TestPaths.temporaryDirectory("persistent")
        defer {
            PersistentTrainer.stop(workingDirectory: dir, grace: 0)
            try? FileManager.default.removeItem(at: dir)
        }
        for r in 1...3 {
            let u = try trainer().runRound(global: global, context: context(round: r), workingDirectory: dir)
            #expect(u.weights == global)
            #expect(u.trainSamples == 20)
        }
        #expect(pids(dir).count == 1)
        #expect(try String(contentsOf: dir.appendingPathComponent("mode.txt"), encoding: .utf8) == "persistent\n")
        let pid = pids(dir)[0]
        #expect(alive(pid))
        #expect(PersistentTrainer.stop(workingDirectory: dir, grace: 1))
        #expect(!alive(pid))
        #expect(!PersistentTrainer.stop(workingDirectory: dir))
    }

    @Test func aCrashAHangOrAReportedFailureFailsTheRoundAndTheNextRoundStartsAfresh() throws {
        let dir = try TestPaths.temporaryDirectory("persistent-fail")
        defer {
            PersistentTrainer.stop(workingDirectory: dir, grace: 0)
            try? FileManager.default.removeItem(at: dir)
        }
        _ = try trainer().runRound(global: global, context: context(round: 1), workingDirectory: dir)
        let crash = #expect(throws: ExternalTrainerError.self) {
            _ = try trainer().runRound(global: global, context: context(round: 5), workingDirectory: dir)
        }
        #expect(crash == .persistentExited(stderrTail: "progress lines go to stderr\ncrashing"))
        _ = try trainer().runRound(global: global, context: context(round: 2), workingDirectory: dir)
        #expect(pids(dir).count == 2)

        let hang = #expect(throws: ExternalTrainerError.self) {
            _ = try trainer(timeout: 1).runRound(global: global, context: context(round: 6), workingDirectory: dir)
        }
        if case .timedOut(let seconds, _) = hang { #expect(seconds == 1) } else { Issue.record("expected a timeout, got \(String(describing: hang))") }
        #expect(!alive(pids(dir)[1]))

        let reported = #expect(throws: ExternalTrainerError.self) {
            _ = try trainer().runRound(global: global, context: context(round: 7), workingDirectory: dir)
        }
        #expect(reported == .reported("no GPU"))
        // A reported failure leaves the program running: it takes the next round.
        _ = try trainer().runRound(global: global, context: context(round: 3), workingDirectory: dir)
        #expect(pids(dir).count == 3)
    }

    @Test func theFilePathSendsAnF32UpdateAsWrittenAndConvertsAnyOther() throws {
        let dir = try TestPaths.temporaryDirectory("file-path")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = ExternalCommandTrainer.Files(workingDirectory: dir, round: 1)
        try files.prepare(workingDirectory: dir)
        try SafeTensors.write(global, toFile: files.weightsIn.path)
        let header = try SafeTensors.header(ofFile: files.weightsIn.path)
        let copy = ExternalCommandTrainer(command: ["/bin/sh", "-c", #"cp "$FEDPLANE_WEIGHTS_IN" "$FEDPLANE_WEIGHTS_OUT"; printf '%s' '{"samples": 5, "loss": 0.4, "confusion": [[2, 1], [0, 2]], "train_samples": 20}' > "$FEDPLANE_METRICS_OUT""#],
                                          classCount: 2, timeout: 20, readWeights: TestSafetensors.read, writeWeights: TestSafetensors.write)
        let u = try copy.runRound(globalHeader: header, context: context(round: 1), workingDirectory: dir, files: files)
        guard case .mapped(let file) = u.weights else { Issue.record("an F32 update is sent as written"); return }
        #expect(Array(file.bytes) == Array(try Data(contentsOf: files.weightsIn)))
        #expect(u.trainSamples == 20)

        // A non-finite value is refused as on the decoding path.
        var bad = global
        bad.tensors[0].tensor.values[3] = .infinity
        let badFile = dir.appendingPathComponent("bad.safetensors")
        try SafeTensors.write(bad, toFile: badFile.path)
        let poisoned = ExternalCommandTrainer(command: ["/bin/sh", "-c", "cp \(badFile.path) \"$FEDPLANE_WEIGHTS_OUT\"; printf '%s' '{\"samples\": 5, \"loss\": 0.4, \"confusion\": [[2, 1], [0, 2]], \"train_samples\": 20}' > \"$FEDPLANE_METRICS_OUT\""],
                                              classCount: 2, timeout: 20, readWeights: TestSafetensors.read, writeWeights: TestSafetensors.write)
        try files.prepare(workingDirectory: dir)
        let error = #expect(throws: ExternalTrainerError.self) {
            _ = try poisoned.runRound(globalHeader: header, context: context(round: 1), workingDirectory: dir, files: files)
        }
        #expect(error == .invalidWeights("tensor \(global.tensors[0].name) has a non-finite value"))
    }
}
