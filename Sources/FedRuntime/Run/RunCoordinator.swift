import FedCloud
import FedDigest
import FedHost
import FedHTTP
import FedModels
import FedOrchestrate
import FedPKI
import FedProcess
import FedSpec
import FedState
import FedTrace
import FedTrain
import FedWeights
import Foundation

/// What a run needs from the workspace: the spec, where local resources, models and the PKI live,
/// and the providers (which know the hosts).
public struct RunEnvironment: Sendable {
    public var spec: Spec
    public var localRoot: URL
    public var modelRoot: URL
    public var pki: FederationPKI
    public var providers: ProviderSet

    public init(spec: Spec, localRoot: URL, modelRoot: URL, pki: FederationPKI, providers: ProviderSet) {
        self.spec = spec
        self.localRoot = localRoot
        self.modelRoot = modelRoot
        self.pki = pki
        self.providers = providers
    }
}

/// Carries out a training run (`run.<n>` in the plan): starts the aggregator on its host, sends
/// each round's task to every participant through the orchestrator (one agent process on the
/// assigned VM; retries on the next VM), has the aggregator average the updates, and commits
/// every round to the state with its global model in the model store. Rounds already committed
/// are not run again: a run interrupted at any point resumes where it stopped.
///
/// Metrics: in round r the participants evaluate the global model they receive (r − 1's result)
/// before training on it, so round r's metrics belong to the model of round r − 1; after the last
/// round an evaluation-only pass measures the final model.
public struct RunCoordinator {
    public let environment: RunEnvironment
    let store: any StateBackend
    let progress: (String) -> Void

    public init(environment: RunEnvironment, store: any StateBackend, progress: @escaping (String) -> Void) {
        self.environment = environment
        self.store = store
        self.progress = progress
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    static let aggregatorRestarts = 3

    var spec: Spec { environment.spec }

    /// The spec's initial model file, resolved against the spec's directory.
    public static func modelFile(_ spec: Spec) -> String? {
        spec.training.model.file.map {
            $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: spec.file).deletingLastPathComponent().appendingPathComponent($0).path
        }
    }

    /// The run's configuration: what defines its training (its hash is the run's identity).
    public static func config(_ spec: Spec, run: Int) -> RunConfig {
        let t = spec.training
        let trainer: RunConfig.TrainerSpec
        switch t.trainer {
        case .builtin(let b): trainer = .builtin(b.rawValue)
        case .command(let argv): trainer = .command(argv)
        }
        var config = RunConfig(
            federation: spec.metadata.name, run: run, trainer: trainer,
            hyperparameters: .init(rounds: t.rounds, epochs: t.epochs, batchSize: t.batchSize, learningRate: t.learningRate,
                                   strategy: t.strategy.rawValue, minParticipants: t.minParticipants, seed: spec.aggregator.optimizer.seed,
                                   aggregation: aggregationRule(t)),
            participants: spec.participants.map(\.name), dataSeed: spec.aggregator.optimizer.seed,
            initialModel: modelFile(spec).flatMap { try? ReferencedFile.read($0, kind: .model) }.map { "sha256:" + SHA256.hex($0) },
            data: participantData(spec), persistentTrainer: t.persistentTrainer)
        config.flower = FlowerRun.identity(spec)
        return config
    }

    /// The participants' own data, when the spec gives it (validation makes it all or none).
    static func participantData(_ spec: Spec) -> ParticipantDataSpec? {
        guard !spec.participants.isEmpty, spec.participants.allSatisfy({ $0.data.path != nil }) else { return nil }
        var paths: [String: String] = [:], labels: [String: String] = [:]
        for p in spec.participants {
            paths[p.name] = p.data.path
            if let l = p.data.label { labels[p.name] = l }
        }
        return ParticipantDataSpec(paths: paths, labels: labels, classes: spec.training.classes ?? [], features: spec.training.features ?? 0)
    }

    /// The spec's aggregation rule; nil for plain FedAvg (the aggregator's default).
    static func aggregationRule(_ t: TrainingSpec) -> AggregationRule? {
        let method: AggregationRule.Method
        switch t.strategy {
        case .fedavg: method = .fedavg
        case .median: method = .median
        case .trimmedMean: method = .trimmedMean
        }
        if method == .fedavg && t.clipNorm == nil { return nil }
        return AggregationRule(method: method, trim: method == .trimmedMean ? (t.trim ?? 0.1) : nil, clipNorm: t.clipNorm)
    }

    /// The persistent trainers on participants' SSH hosts: each VM's directory is checked, and
    /// a trainer found there is stopped by the fedplane installed next to it (also while the run
    /// is being interrupted).
    func stopRemoteTrainers() {
        for p in spec.participants {
            guard let cloud = spec.cloud(named: p.cloud), cloud.provider == .ssh,
                  let provider = environment.providers.provider("ssh.\(cloud.name)") as? SSHProvider else { continue }
            for (_, machine) in (provider.machines[p.name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let dir = provider.participantDirectory(machine, participant: p.name)
                guard let binary = try? AgentBinary.shared.path(federationDirectory: provider.federationDirectory(machine), installed: machine.agentPath) else { continue }
                let command = AgentBinary.command(binary, installed: machine.agentPath)
                let script = "cd \(Shell.quote(dir)) 2>/dev/null || exit 0; [ -f trainer/trainer.json ] || exit 0; \(Shell.quote(command)) stop-trainer --workdir ."
                ChildProcess.cleanup { _ = try? machine.host.run(script, "stop the persistent trainer", timeout: 30) }
            }
        }
    }

    public func run(number: Int) throws -> ObservedResource {
        let config = Self.config(spec, run: number)
        if let data = config.data, case .builtin = config.trainer, data.classes.isEmpty || data.features == 0 {
            throw Failure(description: "run.\(number): the built-in trainer reads the participants' own data as CSV and needs its shape: set training.classes (the label values) and training.features in the spec")
        }
        let runDir = environment.localRoot.appendingPathComponent("run/\(number)")
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        let models = ModelStore(root: environment.modelRoot)
        let local = LocalProvider(root: environment.localRoot)
        let snapshot = try store.snapshot()
        guard let aggRow = snapshot.resource(at: "aggregator.main") else {
            throw Failure(description: "run.\(number) needs aggregator.main, which is not recorded yet")
        }
        let observed = ((try? JSONValue.parse(aggRow.attributes)) ?? .object([:]))["observed"] ?? .object([:])
        // An aggregator on a machine reached over SSH (an ssh cloud's host, a VM fedplane made
        // in a public cloud) is started there; otherwise it is a process on this machine.
        let remoteHost = (environment.providers.provider(aggRow.provider) as? any AggregatorHosting)?.aggregatorHost(observed: observed)
        guard let port = observed["port"]?.numberValue, let workdir = remoteHost?.directory ?? observed["workdir"]?.stringValue else {
            throw Failure(description: "run.\(number) needs aggregator.main, which is not recorded yet")
        }
        // The endpoint is what the aggregator's provider observed (its host and port).
        let observedEndpoint = observed["endpoint"]?.stringValue ?? "https://127.0.0.1:\(Int(port))"
        // Mutual TLS: the aggregator's launch file (0600) names its certificate, the CA and the
        // client certificates it admits; the coordinator and each agent present their own.
        let credentials = try RunCredentials(pki: environment.pki, config: config, run: number, endpoint: observedEndpoint)
        let endpoint = credentials.endpoint
        let launchFile = runDir.appendingPathComponent("aggregator.json")
        // Regional aggregators (hierarchical topology), if the state has any: see AggregatorTree.
        let providers = environment.providers
        let tree = try AggregatorTree(snapshot: snapshot, pki: environment.pki, run: number, federation: config.federation, runDir: runDir,
                                      parentEndpoint: endpoint, coordinator: credentials.coordinator, bind: spec.aggregator.service.bind ?? "127.0.0.1",
                                      remoteBind: spec.aggregator.service.bind ?? "0.0.0.0") { address, provider, observed in
            (providers.provider(provider) as? any AggregatorHosting)?.aggregatorHost(address: address, observed: observed)
        }
        var launch = try tree.global(credentials.launch, pki: environment.pki, run: number)
        launch.aggregation = config.hyperparameters.aggregation
        try launch.write(to: launchFile.path)
        let aggregator: any AggregatorHandle
        if let remoteHost {
            aggregator = tree.including(RemoteAggregator(machine: remoteHost.machine, directory: workdir, federationDirectory: remoteHost.federationDirectory,
                                          port: Int(port), bind: spec.aggregator.service.bind ?? "0.0.0.0", launch: launch))
        } else {
            aggregator = tree.including(AggregatorProcess(workdir: URL(fileURLWithPath: workdir), port: Int(port), configFile: launchFile,
                                                          bind: spec.aggregator.service.bind ?? "127.0.0.1"))
        }
        var usage: UsageRecorder?
        defer {
            aggregator.stop()
            usage?.aggregatorStopped()
            // Persistent trainers live as long as the run: stop them on every local VM when it
            // ends, stops or fails (harmless where none runs).
            if config.persistentTrainer == true {
                for p in spec.participants where spec.cloud(named: p.cloud)?.provider == .local {
                    for vm in p.vms { _ = PersistentTrainer.stop(workingDirectory: local.vmDirectory(participant: p.name, vm: vm.id)) }
                }
                stopRemoteTrainers()
            }
        }
        let client = AggregatorClient(base: endpoint, tls: credentials.coordinator)

        // Resume after the last committed round. The state is the truth: a checkpoint that ran
        // ahead of it (the state lost its write-ahead log in a crash) or behind it (killed between
        // the state's commit and the checkpoint's write) is brought back to the state's round.
        var done = try store.rounds(run: number).map(\.round).max() ?? 0
        var global: [UInt8]
        let startedAt = try store.runs().first { $0.run == number }?.started
        if done == 0 {
            global = try SafeTensors.encode(Agent.initialWeights(config, modelFile: Self.modelFile(spec)))
            try? FileManager.default.removeItem(at: runDir.appendingPathComponent("checkpoint.json"))
            try store.write { tx in
                _ = try tx.recordRun(RunRecord(run: number, configHash: config.configHash, status: .running, started: startedAt ?? tx.now))
            }
        } else {
            (global, done) = try resumeModel(run: number, done: done, runDir: runDir, models: models)
            try store.write { tx in
                _ = try tx.recordRun(RunRecord(run: number, configHash: config.configHash, status: .running, started: startedAt ?? tx.now))
            }
            progress("run \(number): resuming after round \(done) of \(config.hyperparameters.rounds)")
        }
        usage = UsageRecorder.aggregatorStarting(store, run: number, regionals: tree.regionals.map(\.address))
        try aggregator.start()
        try Self.waitHealthy(client, endpoint: endpoint)
        try tree.waitHealthy()

        let rounds = config.hyperparameters.rounds
        let taskTimeout = spec.training.retry.taskTimeout.seconds
        var cursors = snapshot.cursors
        // A stop request ends the run at a round boundary; whatever failed while the children
        // were being stopped (the aggregator gone mid-request) is the stop's doing.
        var committed = done
        // The last result the aggregator made (round, SHA-256): the next round opens from it.
        var held: (round: Int, sha256: String)?
        // The last closed round, being fetched, stored and committed while the next one runs.
        var pending: PendingRound?
        let trace = Tracer(role: "coordinator")
        /// Waits for the pending round: its result becomes `global`, it counts as committed.
        func settle() throws {
            guard let p = pending else { return }
            pending = nil
            global = try p.wait()
            committed = p.round
        }
        /// A stop request ends the run at a round boundary, after the closed round is recorded.
        func stopAtBoundary() throws {
            if Shutdown.signal != nil { try settle() }
            try stopIfAsked(run: number, committed: committed, rounds: rounds, config: config)
        }
        do {
            for r in (done + 1)...(rounds + 1) {
                try stopAtBoundary()
                let evaluateOnly = r == rounds + 1
                let started = Date()
                var outcome: RoundOutcome!
                var result: AggregatorState.RoundResult!
                var attempt = 0
                while true {
                    do {
                        try aggregator.ensureRunning()
                        try trace.span("open", round: r) {
                            // Regional aggregators are sent the model itself.
                            if !tree.isFlat { try settle() }
                            // The aggregator still holding the model it made last round opens from
                            // it: the model does not travel back (27 MB each way at the seed's size).
                            if let held, held.round == r - 1, try client.open(round: r, fromResultSHA256: held.sha256) {
                            } else {
                                try settle()
                                try client.open(round: r, global: global)
                            }
                            try tree.open(round: r, global: global)
                        }
                        let makeAssignment: @Sendable (String, String) -> AgentAssignment = { [endpoints = tree.endpoints] participant, vm in
                            // Each participant learns where its own data is, not the others'.
                            var own = config
                            if let paths = own.data?.paths { own.data?.paths = paths.filter { $0.key == participant } }
                            return AgentAssignment(config: own, aggregator: endpoints[participant] ?? endpoint, tls: credentials.participant(participant), participant: participant, vm: vm,
                                                   taskTimeoutSeconds: taskTimeout)
                        }
                        let runner = ParticipantRunner(local: AgentProcessRunner(provider: local, makeAssignment: makeAssignment, evaluateOnly: evaluateOnly),
                                                       remote: remoteRunners(makeAssignment: makeAssignment, evaluateOnly: evaluateOnly, credentials: credentials))
                        let orchestrator = RoundOrchestrator(retry: spec.training.retry)
                        let participants = spec.participants
                        let c = cursors
                        let deadline = spec.training.roundDeadline.seconds
                        let tasksStarted = Tracer.now()
                        outcome = Blocking.run {
                            await Self.withinDeadline(seconds: deadline) {
                                await orchestrator.run(round: r, participants: participants, cursors: c, runner: runner)
                            }
                        }
                        trace.record("tasks", round: r, start: tasksStarted, end: Tracer.now())
                        try outcome.requireComplete(minParticipants: spec.training.minParticipants)
                        // Closing replaces the result the aggregator holds: the last one is recorded first.
                        try settle()
                        result = try trace.span("close", round: r) {
                            // Regional aggregators first: each posts its round to the global one.
                            let standsFor = try tree.close(round: r, outcome: outcome, evaluateOnly: evaluateOnly)
                            return tree.recorded(try client.close(round: r, minParticipants: tree.globalMinimum(spec.training.minParticipants),
                                                                  evaluateOnly: evaluateOnly), standsFor, opened: global.count)
                        }
                        break
                    } catch {
                        // The last round could not be recorded: the run ends there (no restart
                        // would bring its result back).
                        if error is PendingRound.Unrecorded { throw error }
                        // A stop request ends the round where it is: it is not committed, and the
                        // next apply runs it again.
                        try stopAtBoundary()
                        // A dead or silent aggregator is restarted and the round run again from its
                        // opening global model; anything else ends the run (its rounds so far are kept).
                        var unreachable = (error as? HTTPClientError)?.isUnreachable == true || error is HTTPUnreachable
                        // Any other HTTP failure may still be a dead peer: one killed mid-handshake
                        // fails TLS (curl 35), not the connection, and on a host that does not reap
                        // a killed aggregator still looks alive by its pid. Ask each one itself.
                        if !unreachable, error is HTTPClientError, !tree.allAnswer(global: client) { unreachable = true }
                        if (!aggregator.isAlive || unreachable) && attempt < Self.aggregatorRestarts {
                            attempt += 1
                            // The restarted aggregator is sent the round's opening model.
                            try settle()
                            progress("run \(number) round \(r): the aggregator stopped answering; restarting it (\(attempt)/\(Self.aggregatorRestarts)) and running the round again")
                            try aggregator.restart()
                            continue
                        }
                        if let e = error as? RoundIncomplete { throw Failure(description: "run.\(number): \(e)") }
                        throw error
                    }
                }
                for p in outcome.participants { if let c = p.cursor { cursors[p.participant] = c } }
                // The round's wall time ends at its close: its recording overlaps the next round.
                let seconds = Date().timeIntervalSince(started)
                let record = RoundRecording(
                    run: number, round: r, evaluateOnly: evaluateOnly, entering: global, result: result, outcome: outcome,
                    cursors: cursors, seconds: seconds, rounds: rounds, config: config, runDir: runDir)
                if evaluateOnly || !Self.recordsDuringNextRound {
                    let next = try record.commit(client: client, models: models, store: store, trace: trace, progress: progress)
                    if !evaluateOnly { (global, committed) = (next, r) }
                } else {
                    pending = PendingRound(round: r) { [client, models, store, trace, progress] in
                        try record.commit(client: client, models: models, store: store, trace: trace, progress: progress)
                    }
                }
                if !evaluateOnly { held = result.resultSHA256.map { (r, $0) } }
                trace.record(evaluateOnly ? "finalEvaluation" : "round", round: r, start: started.timeIntervalSince1970, end: Tracer.now())
            }
            try settle()
        } catch {
            // A round that closed is recorded whatever ended the run after it.
            if !(error is PendingRound.Unrecorded) { try? settle() }
            if Shutdown.signal != nil && !(error is Interrupted) {
                try stopIfAsked(run: number, committed: committed, rounds: rounds, config: config)
            }
            throw error
        }
        let finalID = SHA256.hex(global)
        try store.write { tx in
            _ = try tx.recordRun(RunRecord(run: number, configHash: config.configHash, status: .succeeded,
                                           started: startedAt ?? tx.now, finished: tx.now))
        }
        return ObservedResource(providerID: "run:\(number)", attributes: [
            "rounds": .number(Double(rounds)), "finalModel": .string(finalID), "status": "succeeded",
            "configHash": .string(config.configHash),
        ])
    }

    /// Whether a closed round is recorded (its result fetched, stored, committed) while the next
    /// round runs: yes, the coordinator's fetch and hash then leave the round's critical path
    /// (`fedplane-bench rounds`, 2 cores, 26.9 MB, interleaved runs: 0.81 s per round vs 0.93–0.97 s
    /// in order; a remote aggregator's fetch crosses a link of its own as well).
    /// `FEDPLANE_RECORD_OVERLAP=0` records each round before the next opens, for that comparison.
    static var recordsDuringNextRound: Bool {
        ProcessInfo.processInfo.environment["FEDPLANE_RECORD_OVERLAP"] != "0"
    }

    /// The aggregator answers its health check over HTTPS with the coordinator's certificate:
    /// started is not enough when a firewall or a wrong bind address keeps this machine out.
    static func waitHealthy(_ client: AggregatorClient, endpoint: String, seconds: Double = 15) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do {
                _ = try client.health()
                return
            } catch {
                guard Date() < deadline, Shutdown.signal == nil else {
                    throw Failure(description: "the aggregator started but \(endpoint)/v1/health does not answer: \(error); check that its port is reachable from this machine and from the participants (aggregator.bind, firewalls)")
                }
                usleep(200_000)
            }
        }
    }

    /// The round's tasks, cut off at `training.roundDeadline`: tasks still running then are
    /// cancelled (they count as dropouts), and the round closes with the updates that arrived if
    /// they reach minParticipants.
    static func withinDeadline(seconds: Double, _ body: @escaping @Sendable () async -> RoundOutcome) async -> RoundOutcome {
        await withTaskGroup(of: RoundOutcome?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(max(seconds, 0) * 1e9))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            while let next = await group.next() { if let outcome = next { return outcome } }
            return RoundOutcome(round: 0, participants: [])
        }
    }

    static func metrics(_ r: AggregatorState.RoundResult) -> JSONValue {
        var o: [String: JSONValue] = ["participants": .number(Double(r.participants.count))]
        if let v = r.loss { o["loss"] = .number(v) }
        if let v = r.accuracy { o["accuracy"] = .number(v) }
        if let v = r.precision { o["precision"] = .number(v) }
        if let v = r.recall { o["recall"] = .number(v) }
        if let v = r.f1 { o["f1"] = .number(v) }
        return .object(o)
    }

    static func line(r: Int, rounds: Int, result: AggregatorState.RoundResult, outcome: RoundOutcome, seconds: Double, evaluateOnly: Bool,
                     aggregation: String? = nil) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
        let label = evaluateOnly ? "final model" : "round \(r)/\(rounds)" + (aggregation.map { " (\($0))" } ?? "")
        let measured = evaluateOnly ? "of the final global model" : "of the global model it started from"
        var s = "\(label): \(result.participants.count) participants, loss \(f(result.loss)), accuracy \(f(result.accuracy)), F1 \(f(result.f1)) \(measured), \(String(format: "%.2f", seconds)) s"
        let drops = outcome.dropouts.map(\.participant)
        if !drops.isEmpty { s += "; dropped out: \(drops.joined(separator: ", "))" }
        return s
    }
}

extension RunCoordinator {
    /// One runner per ssh cloud, by participant.
    func remoteRunners(makeAssignment: @escaping @Sendable (String, String) -> AgentAssignment, evaluateOnly: Bool,
                       credentials: RunCredentials) -> [String: RemoteAgentRunner] {
        var out: [String: RemoteAgentRunner] = [:]
        let pki = environment.pki
        for p in spec.participants {
            guard let cloud = spec.cloud(named: p.cloud), cloud.provider == .ssh,
                  let provider = environment.providers.provider("ssh.\(cloud.name)") as? SSHProvider else { continue }
            out[p.name] = RemoteAgentRunner(provider: provider, makeAssignment: makeAssignment, evaluateOnly: evaluateOnly) { participant in
                let id = FederationIdentity.participant(participant)
                return ["ca.pem": pki.caCertificateFile, "client.pem": pki.certificateFile(id), "client.key": pki.keyFile(id)]
            }
        }
        return out
    }
}

/// Sends each participant's task to where its VMs are: over SSH for an ssh cloud, else a local
/// process.
struct ParticipantRunner: TaskRunner {
    let local: AgentProcessRunner
    let remote: [String: RemoteAgentRunner]

    func run(_ task: ParticipantTask, on vm: VMSpec, timeout: TimeSpan) async -> TaskResult {
        if let r = remote[task.participant] { return await r.run(task, on: vm, timeout: timeout) }
        return await local.run(task, on: vm, timeout: timeout)
    }
}

/// Where a run has got to: the last committed round and its global model (in the model store),
/// and the global model after each earlier round, so a resume can go back to the state's round.
struct Checkpoint: Codable {
    var round: Int
    var model: String
    /// Round → the global model after it (absent in checkpoints of older fedplanes).
    var history: [String: String]?

    init(round: Int, model: String) {
        self.round = round
        self.model = model
        history = [String(round): model]
    }

    mutating func advance(to round: Int, model: String) {
        var h = (history ?? [:]).filter { (Int($0.key) ?? 0) < round }
        h[String(self.round)] = self.model
        h[String(round)] = model
        self.round = round
        self.model = model
        history = h
    }

    /// The global model after `round`, if this checkpoint knows it.
    func model(after round: Int) -> String? {
        round == self.round ? model : history?[String(round)]
    }

    static func read(_ dir: URL) throws -> Checkpoint {
        try JSONDecoder().decode(Checkpoint.self, from: Data(contentsOf: dir.appendingPathComponent("checkpoint.json")))
    }

    func write(_ dir: URL) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try e.encode(self).write(to: dir.appendingPathComponent("checkpoint.json"), options: .atomic)
    }
}

/// Apply stopped early because a signal asked it to (SIGINT, SIGTERM); what was done is recorded.
public struct Interrupted: Error, CustomStringConvertible {
    public var signal: Int32
    /// Where it stopped, e.g. "run.1 stopped after round 3 of 10".
    public var detail: String
    /// What apply had completed by then ("Resources: 3 added, …").
    public var completed: String?

    public init(signal: Int32, detail: String, completed: String? = nil) {
        self.signal = signal
        self.detail = detail
        self.completed = completed
    }

    public var description: String {
        "interrupted by \(Shutdown.name(signal)): \(detail)" + (completed.map { "; \($0)" } ?? "")
    }
}

extension RunCoordinator {
    /// Throws `Interrupted` when a stop was requested: the run is recorded as cancelled with its
    /// committed rounds, and resumes from there on the next apply.
    func stopIfAsked(run: Int, committed: Int, rounds: Int, config: RunConfig) throws {
        guard let sig = Shutdown.signal else { return }
        let started = (try? store.runs().first { $0.run == run }?.started) ?? nil
        try? store.write { tx in
            _ = try tx.recordRun(RunRecord(run: run, configHash: config.configHash, status: .cancelled,
                                           started: started ?? tx.now, finished: tx.now))
        }
        let kept = committed == 0 ? "no round was committed" : "rounds 1–\(committed) are recorded"
        throw Interrupted(signal: sig, detail: "run.\(run) stopped after round \(committed) of \(rounds) (\(kept); the next apply resumes there)")
    }

    /// The global model to resume a run from after round `done`, the state's last committed round.
    /// Returns it with the round it follows (`done`, or `done − 1` when round `done` must run again).
    func resumeModel(run: Int, done: Int, runDir: URL, models: ModelStore) throws -> (model: [UInt8], after: Int) {
        let checkpoint = try? Checkpoint.read(runDir)
        if let checkpoint, checkpoint.round == done, let m = try? models.get(checkpoint.model) { return (m, done) }
        let ahead = checkpoint.map { $0.round > done ? "the checkpoint is at round \($0.round), ahead of the state (its write-ahead log was lost?)" : "the checkpoint is at round \($0.round), behind the state" }
            ?? "the run's checkpoint is missing"
        if let id = checkpoint?.model(after: done), let m = try? models.get(id) {
            var fixed = Checkpoint(round: done, model: id)
            fixed.history = (checkpoint?.history ?? [:]).filter { (Int($0.key) ?? .max) <= done }
            fixed.history?[String(done)] = id
            try fixed.write(runDir)
            progress("run \(run): the state is at round \(done) and \(ahead); the state is the truth: discarding the checkpoint's progress beyond round \(done) and resuming from there")
            return (m, done)
        }
        // Without the model after round `done`, run that round again from the model that entered
        // it (recorded with the round's metrics).
        if let entering = try store.models(run: run).first(where: { $0.round == done - 1 }), let m = try? models.get(entering.id) {
            try Checkpoint(round: done - 1, model: entering.id).write(runDir)
            progress("run \(run): the state is at round \(done) and \(ahead); the state is the truth: running round \(done) again from the model that entered it")
            return (m, done - 1)
        }
        throw Failure(description: "run.\(run): the state is at round \(done) and \(ahead), and the model after round \(done) is not in the model store \(models.root.path), so the run cannot resume; start a new run by changing a training setting in the spec, or `fedplane destroy` and apply again (earlier runs are kept as history)")
    }
}
