import FedProcess
import FedTrace
import FedWeights
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a participant's round with an external program (the spec's `trainer: { command: [argv…] }`),
/// through a file contract; examples/numpy-trainer/README.md is the user-facing description.
///
/// For one round, `runRound` (1) writes the global model to `FEDPLANE_WEIGHTS_IN`, (2) runs
/// `command` in `workingDirectory` with this process's environment plus the `FEDPLANE_*`
/// variables (`environment(for:files:)`), stdout and stderr going to log files, (3) stops it when
/// it outlives `timeout` (SIGTERM to its process group, SIGKILL after `killGracePeriod`), then
/// (4) requires exit status 0 and reads and checks both outputs:
///
/// - `FEDPLANE_WEIGHTS_OUT`: the update, safetensors, exactly the global model's tensor names and
///   shapes, finite values (returned in the global model's tensor order, with the file's metadata);
/// - `FEDPLANE_METRICS_OUT`: JSON `{"samples": n, "loss": x, "confusion": [[…]], "train_samples": m}`,
///   the evaluation of the *global* model on the participant's validation split (a square
///   `classCount` matrix of counts summing to `samples`, a finite loss ≥ 0) and the number of
///   training samples (≥ 1, FedAvg's weight). Other keys are ignored.
///
/// Safetensors I/O is injected (`readWeights` / `writeWeights`) so this module does not depend on
/// a particular codec: the integrator passes FedWeights' safetensors reader and writer (float32).
public struct ExternalCommandTrainer: Sendable {
    public typealias ReadWeights = @Sendable (URL) throws -> ModelWeights
    public typealias WriteWeights = @Sendable (ModelWeights, URL) throws -> Void

    /// argv; `command[0]` is looked up on `PATH` unless it contains a `/` (then it is taken
    /// relative to the working directory when not absolute).
    public var command: [String]
    /// The number of classes the metrics' confusion matrix must have.
    public var classCount: Int
    /// Seconds the program may run.
    public var timeout: Double
    /// Seconds between SIGTERM and SIGKILL when the program times out.
    public var killGracePeriod: Double
    /// The environment the `FEDPLANE_*` variables are added to (default: this process's).
    public var baseEnvironment: [String: String]
    public var readWeights: ReadWeights
    public var writeWeights: WriteWeights

    public init(command: [String], classCount: Int, timeout: Double, killGracePeriod: Double = 2,
                baseEnvironment: [String: String] = ProcessInfo.processInfo.environment,
                readWeights: @escaping ReadWeights, writeWeights: @escaping WriteWeights) {
        self.command = command
        self.classCount = classCount
        self.timeout = timeout
        self.killGracePeriod = killGracePeriod
        self.baseEnvironment = baseEnvironment
        self.readWeights = readWeights
        self.writeWeights = writeWeights
    }

    /// Where one round's files go: `<workingDirectory>/rounds/<round>/` by default.
    public struct Files: Sendable, Equatable {
        public var weightsIn: URL
        public var weightsOut: URL
        public var metricsOut: URL
        public var stdoutLog: URL
        public var stderrLog: URL

        public init(roundDirectory d: URL) {
            weightsIn = d.appendingPathComponent("global.safetensors")
            weightsOut = d.appendingPathComponent("update.safetensors")
            metricsOut = d.appendingPathComponent("metrics.json")
            stdoutLog = d.appendingPathComponent("stdout.log")
            stderrLog = d.appendingPathComponent("stderr.log")
        }

        public init(workingDirectory: URL, round: Int) {
            self.init(roundDirectory: workingDirectory.appendingPathComponent("rounds").appendingPathComponent(String(round)))
        }
    }

    /// The variables the program gets (added to `baseEnvironment`).
    public static func environment(for context: RoundContext, files: Files) -> [String: String] {
        var env = [
            "FEDPLANE_WEIGHTS_IN": files.weightsIn.path,
            "FEDPLANE_WEIGHTS_OUT": files.weightsOut.path,
            "FEDPLANE_METRICS_OUT": files.metricsOut.path,
            "FEDPLANE_ROUND": String(context.round),
            "FEDPLANE_PARTICIPANT": context.participant,
            "FEDPLANE_PARTICIPANT_INDEX": String(context.participantIndex),
            "FEDPLANE_PARTICIPANTS": String(context.participants),
            "FEDPLANE_EPOCHS": String(context.epochs),
            "FEDPLANE_BATCH_SIZE": String(context.batchSize),
            "FEDPLANE_LEARNING_RATE": String(context.learningRate),
            "FEDPLANE_SEED": String(context.seed),
        ]
        if let dir = context.dataDirectory { env["FEDPLANE_DATA_DIR"] = dir.path }
        return env
    }

    /// One round: see the type's description. `files` defaults to `Files(workingDirectory:round:)`.
    public func runRound(global: ModelWeights, context: RoundContext, workingDirectory: URL,
                         files: Files? = nil) throws -> LocalUpdate {
        guard let argv0 = command.first, !argv0.isEmpty else { throw ExternalTrainerError.invalidCommand("the command is empty") }
        guard timeout > 0 else { throw ExternalTrainerError.invalidCommand("the timeout must be > 0 seconds") }
        let files = files ?? Files(workingDirectory: workingDirectory, round: context.round)
        let fm = FileManager.default
        do {
            for dir in [workingDirectory, files.weightsIn.deletingLastPathComponent(), files.weightsOut.deletingLastPathComponent(),
                        files.metricsOut.deletingLastPathComponent(), files.stdoutLog.deletingLastPathComponent(),
                        files.stderrLog.deletingLastPathComponent()] {
                try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            }
            // Outputs of an earlier attempt must not pass for this one's.
            for stale in [files.weightsOut, files.metricsOut] where fm.fileExists(atPath: stale.path) {
                try fm.removeItem(at: stale)
            }
        } catch {
            throw ExternalTrainerError.io("preparing \(files.weightsIn.deletingLastPathComponent().path): \(error)")
        }
        let trace = Tracer(role: "agent", participant: context.participant)
        do {
            try trace.span("trainerInput", round: context.round) { try writeWeights(global, files.weightsIn) }
        } catch {
            throw ExternalTrainerError.io("writing the global model to \(files.weightsIn.path): \(error)")
        }

        var env = baseEnvironment
        for (k, v) in Self.environment(for: context, files: files) { env[k] = v }
        let executable = try resolveExecutable(argv0, workingDirectory: workingDirectory, path: env["PATH"])
        let outcome = try trace.span("trainer", round: context.round) {
            try ProcessRun.run(executable: executable, arguments: Array(command.dropFirst()), environment: env,
                               workingDirectory: workingDirectory, stdout: files.stdoutLog, stderr: files.stderrLog,
                               timeout: timeout, killGracePeriod: killGracePeriod)
        }
        let tail = { Self.tail(of: files.stderrLog) }
        switch outcome {
        case .timedOut:
            throw ExternalTrainerError.timedOut(seconds: timeout, stderrTail: tail())
        case .signalled(let s):
            throw ExternalTrainerError.signalled(s, stderrTail: tail())
        case .exited(let code) where code != 0:
            throw ExternalTrainerError.failed(exitStatus: code, stderrTail: tail())
        case .exited:
            break
        }

        guard fm.fileExists(atPath: files.weightsOut.path) else {
            throw ExternalTrainerError.missingOutput("FEDPLANE_WEIGHTS_OUT (\(files.weightsOut.path)) was not written")
        }
        guard fm.fileExists(atPath: files.metricsOut.path) else {
            throw ExternalTrainerError.missingOutput("FEDPLANE_METRICS_OUT (\(files.metricsOut.path)) was not written")
        }
        return try trace.span("trainerOutput", round: context.round) {
            let update: ModelWeights
            do {
                update = try readWeights(files.weightsOut)
            } catch {
                throw ExternalTrainerError.invalidWeights("\(files.weightsOut.path) does not read: \(error)")
            }
            let weights = try Self.checkUpdate(update, against: global)
            let metrics = try Self.readMetrics(files.metricsOut, classCount: classCount)
            return LocalUpdate(weights: weights, evaluation: metrics.evaluation, trainSamples: metrics.trainSamples)
        }
    }

    /// The update reordered as `global`; throws unless it has exactly the global model's tensor
    /// names and shapes, with finite values.
    public static func checkUpdate(_ update: ModelWeights, against global: ModelWeights) throws -> ModelWeights {
        let globalNames = Set(global.tensors.map(\.name))
        let updateNames = update.tensors.map(\.name)
        guard Set(updateNames).count == updateNames.count else {
            throw ExternalTrainerError.invalidWeights("the update names a tensor twice")
        }
        if let extra = updateNames.first(where: { !globalNames.contains($0) }) {
            throw ExternalTrainerError.invalidWeights("the update has a tensor \(extra) that the global model does not")
        }
        var ordered: [(name: String, tensor: Tensor)] = []
        for (name, g) in global.tensors {
            guard let u = update[name] else { throw ExternalTrainerError.invalidWeights("the update lacks tensor \(name)") }
            guard u.shape == g.shape else {
                throw ExternalTrainerError.invalidWeights("tensor \(name) has shape \(u.shape) in the update, \(g.shape) in the global model")
            }
            guard u.values.allSatisfy(\.isFinite) else { throw ExternalTrainerError.invalidWeights("tensor \(name) has a non-finite value") }
            ordered.append((name, u))
        }
        return ModelWeights(tensors: ordered, metadata: update.metadata)
    }

    /// The metrics file, decoded and checked.
    public static func readMetrics(_ url: URL, classCount: Int) throws -> (evaluation: Evaluation, trainSamples: Int) {
        struct File: Decodable {
            var samples: Int
            var loss: Double
            var confusion: [[Int]]
            var train_samples: Int
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        } catch let e as DecodingError {
            throw ExternalTrainerError.invalidMetrics("\(url.lastPathComponent): \(Self.describe(e))")
        } catch {
            throw ExternalTrainerError.invalidMetrics("\(url.lastPathComponent): \(error)")
        }
        let evaluation = Evaluation(samples: file.samples, loss: file.loss, confusion: file.confusion)
        do {
            try evaluation.validate(classes: classCount)
        } catch {
            throw ExternalTrainerError.invalidMetrics("\(url.lastPathComponent): \(error)")
        }
        guard file.train_samples >= 1 else {
            throw ExternalTrainerError.invalidMetrics("\(url.lastPathComponent): train_samples must be ≥ 1, not \(file.train_samples)")
        }
        return (evaluation, file.train_samples)
    }

    private static func describe(_ e: DecodingError) -> String {
        switch e {
        case .keyNotFound(let k, _): return "missing key \(k.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        case .dataCorrupted(let c): return "not valid JSON (\(c.underlyingError.map { "\($0)" } ?? c.debugDescription))"
        @unknown default: return "\(e)"
        }
    }

    private func resolveExecutable(_ argv0: String, workingDirectory: URL, path: String?) throws -> URL {
        let fm = FileManager.default
        if argv0.contains("/") {
            let url = argv0.hasPrefix("/") ? URL(fileURLWithPath: argv0) : workingDirectory.appendingPathComponent(argv0)
            guard fm.isExecutableFile(atPath: url.path) else {
                throw ExternalTrainerError.executableNotFound("\(url.path) is not an executable file")
            }
            return url
        }
        let dirs = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for dir in dirs where !dir.isEmpty {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent(argv0)
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue, fm.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        throw ExternalTrainerError.executableNotFound("\(argv0) is not on PATH")
    }

    /// The last `bytes` of a log, for error messages.
    static func tail(of url: URL, bytes: Int = 2000) -> String {
        guard let data = try? Data(contentsOf: url), !data.isEmpty else { return "" }
        let text = String(decoding: data.suffix(bytes), as: UTF8.self)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public enum ExternalTrainerError: Error, Equatable, CustomStringConvertible {
    case invalidCommand(String)
    case executableNotFound(String)
    case launchFailed(String)
    case timedOut(seconds: Double, stderrTail: String)
    case failed(exitStatus: Int32, stderrTail: String)
    case signalled(Int32, stderrTail: String)
    case missingOutput(String)
    case invalidWeights(String)
    case invalidMetrics(String)
    case io(String)

    public var description: String {
        func withTail(_ head: String, _ tail: String) -> String { tail.isEmpty ? head : "\(head); its stderr ends:\n\(tail)" }
        switch self {
        case .invalidCommand(let m): return "external trainer: \(m)"
        case .executableNotFound(let m): return "external trainer: \(m)"
        case .launchFailed(let m): return "external trainer: could not start: \(m)"
        case .timedOut(let s, let t): return withTail("external trainer: no result within \(s) s, stopped", t)
        case .failed(let c, let t): return withTail("external trainer: exited with status \(c)", t)
        case .signalled(let s, let t): return withTail("external trainer: killed by signal \(s)", t)
        case .missingOutput(let m): return "external trainer: \(m)"
        case .invalidWeights(let m): return "external trainer: bad update: \(m)"
        case .invalidMetrics(let m): return "external trainer: bad metrics: \(m)"
        case .io(let m): return "external trainer: \(m)"
        }
    }
}

/// Runs a program to completion or timeout, output to files, as a `ChildProcess`: in its own
/// process group, so a timeout (or a stop of the agent running it) ends everything it started.
enum ProcessRun {
    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
    }

    static func run(executable: URL, arguments: [String], environment: [String: String], workingDirectory: URL,
                    stdout: URL, stderr: URL, timeout: Double, killGracePeriod: Double) throws -> Outcome {
        let fm = FileManager.default
        guard fm.createFile(atPath: stdout.path, contents: nil), fm.createFile(atPath: stderr.path, contents: nil) else {
            throw ExternalTrainerError.io("cannot create the logs \(stdout.path), \(stderr.path)")
        }
        let child: ChildProcess
        do {
            child = try ChildProcess.start(executable, arguments: arguments, environment: environment, directory: workingDirectory,
                                           output: .init(stdout: stdout, stderr: stderr, append: false))
        } catch {
            throw ExternalTrainerError.launchFailed("\(executable.path): \(error)")
        }
        guard let ended = child.wait(seconds: timeout) else {
            child.stop(grace: killGracePeriod)
            return .timedOut
        }
        // The program is done; anything it left running in the background goes with it.
        ProcessTree.stop(root: child.pid, grace: 0)
        switch ended {
        case .exited(let code): return .exited(code)
        case .signalled(let s): return .signalled(s)
        }
    }
}
