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
    /// The program takes every round of the run over the line protocol of `PersistentTrainer`
    /// instead of being started for each round.
    public var persistent: Bool

    public init(command: [String], classCount: Int, timeout: Double, killGracePeriod: Double = 2,
                baseEnvironment: [String: String] = ProcessInfo.processInfo.environment, persistent: Bool = false,
                readWeights: @escaping ReadWeights, writeWeights: @escaping WriteWeights) {
        self.persistent = persistent
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

        /// Creates the files' directories and removes outputs of an earlier attempt (they must not
        /// pass for this one's).
        public func prepare(workingDirectory: URL) throws {
            let fm = FileManager.default
            do {
                for dir in [workingDirectory, weightsIn.deletingLastPathComponent(), weightsOut.deletingLastPathComponent(),
                            metricsOut.deletingLastPathComponent(), stdoutLog.deletingLastPathComponent(),
                            stderrLog.deletingLastPathComponent()] {
                    try fm.createDirectory(at: dir, withIntermediateDirectories: true)
                }
                for stale in [weightsOut, metricsOut] where fm.fileExists(atPath: stale.path) {
                    try fm.removeItem(at: stale)
                }
            } catch {
                throw ExternalTrainerError.io("preparing \(weightsIn.deletingLastPathComponent().path): \(error)")
            }
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
        let files = files ?? Files(workingDirectory: workingDirectory, round: context.round)
        try validateCommand()
        try files.prepare(workingDirectory: workingDirectory)
        let trace = Tracer(role: "agent", participant: context.participant)
        do {
            try trace.span("trainerInput", round: context.round) { try writeWeights(global, files.weightsIn) }
        } catch {
            throw ExternalTrainerError.io("writing the global model to \(files.weightsIn.path): \(error)")
        }
        try execute(context: context, workingDirectory: workingDirectory, files: files)
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

    /// A round's update as the program wrote it, checked: mapped where it lies when it is F32
    /// throughout (sent as it is, never decoded), else decoded (another dtype: converted to F32).
    public struct FileUpdate: Sendable {
        public enum Weights: Sendable {
            case mapped(MappedFile)
            case decoded(ModelWeights)
        }
        public var weights: Weights
        public var evaluation: Evaluation
        public var trainSamples: Int
    }

    /// One round whose global model is already at `files.weightsIn` (the agent streamed it there;
    /// `global` is its header): the same contract and checks as `runRound(global:…)`, without
    /// decoding the model or writing it again. Call `files.prepare` before putting the model there.
    public func runRound(globalHeader global: SafeTensorsHeader, context: RoundContext, workingDirectory: URL,
                         files: Files) throws -> FileUpdate {
        try validateCommand()
        try execute(context: context, workingDirectory: workingDirectory, files: files)
        let trace = Tracer(role: "agent", participant: context.participant)
        return try trace.span("trainerOutput", round: context.round) {
            let mapped: MappedFile, header: SafeTensorsHeader
            do {
                mapped = try MappedFile(path: files.weightsOut.path)
                header = try SafeTensors.header(mapped.bytes)
            } catch {
                throw ExternalTrainerError.invalidWeights("\(files.weightsOut.path) does not read: \(error)")
            }
            guard SafeTensors.isInPlaceF32(header, in: mapped.bytes) else {
                // Another dtype: converted to F32 as the one-shot path does.
                let update: ModelWeights
                do { update = try readWeights(files.weightsOut) } catch {
                    throw ExternalTrainerError.invalidWeights("\(files.weightsOut.path) does not read: \(error)")
                }
                let weights = try Self.checkUpdate(update, against: global.entries.map { ($0.name, $0.shape) })
                let metrics = try Self.readMetrics(files.metricsOut, classCount: classCount)
                return FileUpdate(weights: .decoded(weights), evaluation: metrics.evaluation, trainSamples: metrics.trainSamples)
            }
            try Self.checkUpdate(header, in: mapped.bytes, against: global)
            let metrics = try Self.readMetrics(files.metricsOut, classCount: classCount)
            return FileUpdate(weights: .mapped(mapped), evaluation: metrics.evaluation, trainSamples: metrics.trainSamples)
        }
    }

    func validateCommand() throws {
        guard let argv0 = command.first, !argv0.isEmpty else { throw ExternalTrainerError.invalidCommand("the command is empty") }
        guard timeout > 0 else { throw ExternalTrainerError.invalidCommand("the timeout must be > 0 seconds") }
    }

    /// Runs the program for the round (a process of its own, or a request to the persistent one)
    /// and requires success; the outputs are the caller's to read.
    func execute(context: RoundContext, workingDirectory: URL, files: Files) throws {
        let variables = Self.environment(for: context, files: files)
        var env = baseEnvironment
        for (k, v) in variables { env[k] = v }
        let executable = try resolveExecutable(command[0], workingDirectory: workingDirectory, path: env["PATH"])
        let trace = Tracer(role: "agent", participant: context.participant)
        if persistent {
            var startEnv = baseEnvironment
            startEnv["FEDPLANE_TRAINER_MODE"] = "persistent"
            let trainer = PersistentTrainer(executable: executable, arguments: Array(command.dropFirst()),
                                            workingDirectory: workingDirectory, environment: startEnv, killGracePeriod: killGracePeriod)
            do {
                try trace.span("trainer", round: context.round) { try trainer.round(variables, timeout: timeout) }
            } catch let failure as PersistentTrainer.Failure {
                switch failure {
                case .exited(let tail): throw ExternalTrainerError.persistentExited(stderrTail: tail)
                case .timedOut(let tail): throw ExternalTrainerError.timedOut(seconds: timeout, stderrTail: tail)
                case .reported(let message): throw ExternalTrainerError.reported(message)
                case .cannotStart(let message): throw ExternalTrainerError.launchFailed(message)
                }
            }
        } else {
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
        }
        let fm = FileManager.default
        guard fm.fileExists(atPath: files.weightsOut.path) else {
            throw ExternalTrainerError.missingOutput("FEDPLANE_WEIGHTS_OUT (\(files.weightsOut.path)) was not written")
        }
        guard fm.fileExists(atPath: files.metricsOut.path) else {
            throw ExternalTrainerError.missingOutput("FEDPLANE_METRICS_OUT (\(files.metricsOut.path)) was not written")
        }
    }

    /// `checkUpdate(_:against:)` for an update read in place: exactly the global model's tensor
    /// names and shapes, finite values (the same refusals, nothing decoded).
    public static func checkUpdate(_ header: SafeTensorsHeader, in buffer: UnsafeRawBufferPointer, against global: SafeTensorsHeader) throws {
        let globalShapes = Dictionary(global.entries.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
        if let extra = header.entries.first(where: { globalShapes[$0.name] == nil }) {
            throw ExternalTrainerError.invalidWeights("the update has a tensor \(extra.name) that the global model does not")
        }
        let mine = Dictionary(header.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // Tensor by tensor in the global model's order, as `checkUpdate(_:against:)` goes.
        for g in global.entries {
            guard let u = mine[g.name] else { throw ExternalTrainerError.invalidWeights("the update lacks tensor \(g.name)") }
            guard u.shape == g.shape else {
                throw ExternalTrainerError.invalidWeights("tensor \(g.name) has shape \(u.shape) in the update, \(g.shape) in the global model")
            }
            if let values = SafeTensors.f32Values(u, header: header, in: buffer), SafeTensors.firstNonFinite(values) != nil {
                throw ExternalTrainerError.invalidWeights("tensor \(g.name) has a non-finite value")
            }
        }
    }

    /// The update reordered as `global`; throws unless it has exactly the global model's tensor
    /// names and shapes, with finite values.
    public static func checkUpdate(_ update: ModelWeights, against global: ModelWeights) throws -> ModelWeights {
        try checkUpdate(update, against: global.tensors.map { ($0.name, $0.tensor.shape) })
    }

    /// `checkUpdate(_:against:)` given the global model's tensor names and shapes, in its order.
    static func checkUpdate(_ update: ModelWeights, against global: [(name: String, shape: [Int])]) throws -> ModelWeights {
        let globalNames = Set(global.map(\.name))
        let updateNames = update.tensors.map(\.name)
        guard Set(updateNames).count == updateNames.count else {
            throw ExternalTrainerError.invalidWeights("the update names a tensor twice")
        }
        if let extra = updateNames.first(where: { !globalNames.contains($0) }) {
            throw ExternalTrainerError.invalidWeights("the update has a tensor \(extra) that the global model does not")
        }
        var ordered: [(name: String, tensor: Tensor)] = []
        for (name, shape) in global {
            guard let u = update[name] else { throw ExternalTrainerError.invalidWeights("the update lacks tensor \(name)") }
            guard u.shape == shape else {
                throw ExternalTrainerError.invalidWeights("tensor \(name) has shape \(u.shape) in the update, \(shape) in the global model")
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
    /// The persistent program ended (crashed, was killed) while it had a round.
    case persistentExited(stderrTail: String)
    /// The persistent program answered a round with `"ok": false`.
    case reported(String)

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
        case .persistentExited(let t): return withTail("external trainer: the persistent program exited during the round", t)
        case .reported(let m): return "external trainer: the persistent program reported a failure: \(m)"
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
