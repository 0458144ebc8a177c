import FedCloud
import FedDigest
import FedHost
import FedModels
import FedPKI
import FedProcess
import FedSpec
import FedState
import FedWeights
import Foundation

/// Carries out a training run with `training.runtime: flower`: checks the Python environment on
/// every host, starts a Flower SuperLink where the aggregator is placed and a SuperNode on each
/// participant's assigned VM (TLS with the federation's PKI), starts the user's Flower app with
/// `flwr run`, follows it with `flwr ls` until it finishes (`flwr run` exits 0 even for a run that
/// failed), records each round the ServerApp reports and the final model in the model registry,
/// and stops every Flower process at the end, on failure and on a stop signal.
///
/// Flower has no resume: a run interrupted mid-way runs again from its first round.
public struct FlowerRun {
    let environment: RunEnvironment
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

    var spec: Spec { environment.spec }

    /// How often the run's status and its metrics file are read (each `flwr ls` is a Python start).
    static let pollSeconds: Double = 2

    /// The SuperLink and SuperNodes of one run, where they are and how to reach them.
    struct Layout {
        var link: FlowerSite
        var linkBind: String
        var linkPort: Int
        var address: String
        var nodes: [(participant: String, vm: String, site: FlowerSite, port: Int, nodeConfig: String)]
        var cli: FlowerSite
    }

    public func run(number: Int) throws -> ObservedResource {
        do {
            return try follow(number: number)
        } catch where Shutdown.signal != nil && !(error is Interrupted) {
            // Whatever failed while a stop signal was ending the processes is the stop's doing.
            let sig = Shutdown.signal ?? SIGINT
            let config = RunCoordinator.config(spec, run: number)
            let started = (try? store.runs().first { $0.run == number }?.started) ?? nil
            try? recordEnd(number, config: config, startedAt: started, status: .cancelled)
            let done = (try? store.rounds(run: number).count) ?? 0
            throw Interrupted(signal: sig, detail: "run.\(number) (Flower runtime) stopped after round \(done) of \(spec.training.rounds) (a Flower run does not resume: the next apply runs it again from round 1)")
        }
    }

    func follow(number: Int) throws -> ObservedResource {
        guard let flower = spec.training.flower else { throw Failure(description: "run.\(number): runtime flower needs training.flower") }
        let config = RunCoordinator.config(spec, run: number)
        let runDir = environment.localRoot.appendingPathComponent("run/\(number)/flower")
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        let snapshot = try store.snapshot()
        guard let aggRow = snapshot.resource(at: "aggregator.main") else {
            throw Failure(description: "run.\(number) needs aggregator.main, which is not recorded yet")
        }
        let observed = ((try? JSONValue.parse(aggRow.attributes)) ?? .object([:]))["observed"] ?? .object([:])
        guard let port = observed["port"]?.numberValue, let workdir = observed["workdir"]?.stringValue else {
            throw Failure(description: "run.\(number) needs aggregator.main, which is not recorded yet")
        }
        let endpoint = observed["endpoint"]?.stringValue ?? "https://127.0.0.1:\(Int(port))"

        // Where things run. The aggregator's host runs the SuperLink; each participant's assigned
        // VM a SuperNode; this machine the flwr CLI. Every host is checked before anything starts.
        let remoteAggregator = (environment.providers.provider(aggRow.provider) as? SSHProvider)?.aggregator
        let linkHost: any FedHost.Host = remoteAggregator?.host ?? LocalHost()
        var interpreters: [String: FlowerInterpreter] = [:]
        func interpreter(_ host: any FedHost.Host) throws -> FlowerInterpreter {
            if let i = interpreters[host.label] { return i }
            let i = try FlowerEnvironment.check(host: host, python: flower.python)
            interpreters[host.label] = i
            return i
        }
        let local = LocalProvider(root: environment.localRoot)
        // A participant's VM: its host and the run's directory there.
        func vmPlace(_ p: ParticipantSpec, _ vm: String) throws -> (host: any FedHost.Host, directory: String) {
            if let cloud = spec.cloud(named: p.cloud), cloud.provider == .ssh {
                guard let provider = environment.providers.provider("ssh.\(cloud.name)") as? SSHProvider,
                      let machine = provider.machines[p.name]?[vm] else {
                    throw Failure(description: "run.\(number): \(p.name)'s VM \(vm) has no host in the ssh cloud \(cloud.name)")
                }
                return (machine.host, "\(provider.participantDirectory(machine, participant: p.name))/flower/run-\(number)")
            }
            return (LocalHost(), local.vmDirectory(participant: p.name, vm: vm).appendingPathComponent("flower/run-\(number)").path)
        }
        var nodeHosts: [(participant: ParticipantSpec, vm: String, host: any FedHost.Host, directory: String)] = []
        for p in spec.participants {
            let vm = Self.assignedVM(p, snapshot: snapshot)
            let (host, directory) = try vmPlace(p, vm)
            nodeHosts.append((p, vm, host, directory))
        }
        let cliHost = LocalHost()
        _ = try interpreter(cliHost)
        _ = try interpreter(linkHost)
        for n in nodeHosts { _ = try interpreter(n.host) }

        // Processes an earlier, killed apply left are found by its marker and stopped first.
        let markerFile = runDir.appendingPathComponent("marker")
        let hosts = [cliHost as any FedHost.Host, linkHost] + nodeHosts.map(\.host)
        if let old = try? String(contentsOf: markerFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !old.isEmpty {
            for h in Self.distinct(hosts) { FlowerProcesses.stop(marker: old, on: h, grace: 2) }
        }
        let marker = "\(spec.metadata.name).run\(number).\(UUID().uuidString.prefix(8).lowercased())"
        try Data((marker + "\n").utf8).write(to: markerFile, options: .atomic)
        defer {
            for h in Self.distinct(hosts) { FlowerProcesses.stop(marker: marker, on: h, grace: Shutdown.isUrgent ? 0 : 5) }
        }

        let link = try FlowerSite.prepare(host: linkHost, directory: "\(workdir)/flower/run-\(number)", interpreter: interpreter(linkHost))
        let cli = try FlowerSite.prepare(host: cliHost, directory: runDir.appendingPathComponent("cli").path, interpreter: interpreter(cliHost))
        let address = Self.hostPort(endpoint) ?? "127.0.0.1:\(Int(port))"
        let bind = spec.aggregator.service.bind ?? (remoteAggregator == nil ? "127.0.0.1" : "0.0.0.0")
        let tls = try Self.tlsFiles(environment.pki)

        // The SuperLink: one port for the Fleet, Control and Runtime APIs; no dependency
        // installation (it would run uv against the network); its database in its directory.
        let linkCA = try place(tls.ca, as: "tls/ca.crt", at: link)
        let linkCert = try place(tls.certificate, as: "tls/server.crt", at: link)
        let linkKey = try place(tls.key, as: "tls/server.key", at: link)
        try link.host.run("rm -f \(Shell.quote(link.directory))/metrics.jsonl \(Shell.quote(link.directory))/model.safetensors", "clear the run's outputs")
        try link.start("flower-superlink", ["--host", bind, "--port", "\(Int(port))", "--database", "\(link.directory)/superlink.db",
                                            "--disable-runtime-dependency-installation", "--enable-supernode-auth",
                                            "--ssl-ca-certfile", linkCA, "--ssl-certfile", linkCert, "--ssl-keyfile", linkKey],
                       log: "superlink.log", pidFile: "superlink.pid", marker: marker)
        try Self.waitListening(link, port: Int(port), what: "the Flower SuperLink")
        progress("run \(number): Flower SuperLink on \(link.host.label) at \(address) (TLS, federation PKI, SuperNode authentication)")

        // The CLI's connection (registering the SuperNodes' keys needs it too).
        try Data(FlowerConfig.connection(federation: flower.federation, address: address, rootCertificates: tls.ca.path).utf8)
            .write(to: URL(fileURLWithPath: cli.home).appendingPathComponent("config.toml"), options: .atomic)

        // One SuperNode per participant on its assigned VM, each with its own ClientAppIo port
        // and its own registered key.
        let starter = FlowerNodeStarter(run: number, nodeCount: nodeHosts.count, address: address, linkCA: tls.ca, federation: flower.federation,
                                        marker: marker, cli: cli, keysDirectory: runDir.appendingPathComponent("keys"),
                                        place: vmPlace, interpreter: interpreter, ca: { try self.place($0, as: $1, at: $2) })
        var nodes: [FlowerNode] = []
        for (i, n) in nodeHosts.enumerated() {
            let node = try starter.start(n.participant, partition: i, vm: n.vm, generation: 0)
            nodes.append(node)
            progress("run \(number): Flower SuperNode for \(n.participant.name) on \(n.vm) (\(node.site.host.label), node \(node.nodeID))")
        }
        var replaced: [String: [JSONValue]] = [:]
        let maxReplacements = spec.participants.map { 2 * max(1, $0.vms.count) }

        // The run config (a TOML file: no quoting on a command line).
        let appDir = FlowerAppCheck.directory(flower.app, specDirectory: URL(fileURLWithPath: spec.file).deletingLastPathComponent())
        let declaresNodes = (try? String(contentsOf: appDir.appendingPathComponent("pyproject.toml"), encoding: .utf8))
            .map { FlowerAppCheck.declares($0, key: "fedplane-nodes") } ?? false
        let runConfigFile = runDir.appendingPathComponent("run-config.toml")
        try Data(FlowerConfig.runConfig(flower.runConfig, metricsPath: "\(link.directory)/metrics.jsonl", modelPath: "\(link.directory)/model.safetensors",
                                        nodes: declaresNodes ? nodeHosts.count : nil).utf8).write(to: runConfigFile, options: .atomic)

        let started = Date()
        let startedAt = try store.runs().first { $0.run == number }?.started
        try store.write { tx in
            _ = try tx.recordRun(RunRecord(run: number, configHash: config.configHash, status: .running, started: startedAt ?? tx.now))
        }
        // `flwr run` rewrites an app's pyproject.toml that still has [tool.flwr.federations]
        // (its 1.42 migration comments the section out): it runs on a copy, never the user's tree.
        let appCopy = runDir.appendingPathComponent("app")
        try Self.copyApp(appDir, to: appCopy)
        let submitted = try cli.flwr(["run", appCopy.path, flower.federation, "--format", "json", "--run-config", runConfigFile.path], marker: marker)
        let answer = (try? JSONValue.parse(submitted.stdout)) ?? .object([:])
        guard answer["success"] == .bool(true), let runID = answer["run-id"]?.stringValue else {
            let why = answer["error-message"]?.stringValue ?? submitted.tail
            try recordEnd(number, config: config, startedAt: startedAt, status: .failed)
            throw Failure(description: "run.\(number): flwr run did not start the Flower app \(appDir.path): \(why)")
        }
        try Data((runID + "\n").utf8).write(to: runDir.appendingPathComponent("flower-run-id"), options: .atomic)
        progress("run \(number): Flower run \(runID) started (\(flower.app), \(nodeHosts.count) SuperNodes)")

        // Follow the run; record rounds as the ServerApp reports them.
        var recorded = 0
        var lastRoundAt = started
        let metricsPath = "\(link.directory)/metrics.jsonl"
        let deadline = started.addingTimeInterval(Double(spec.training.rounds) * spec.training.roundDeadline.seconds + 300)
        var status = ""
        var details = ""
        while true {
            if let sig = Shutdown.signal {
                _ = try? cli.flwr(["stop", runID, flower.federation], marker: marker, timeout: 30)
                try recordEnd(number, config: config, startedAt: startedAt, status: .cancelled)
                throw Interrupted(signal: sig, detail: "run.\(number) (Flower runtime) stopped after round \(recorded) of \(spec.training.rounds) (a Flower run does not resume: the next apply runs it again from round 1)")
            }
            let ls = try? cli.flwr(["ls", flower.federation, "--run-id", runID, "--format", "json"], marker: marker, timeout: 60)
            if let ls, let runs = (try? JSONValue.parse(ls.stdout))?["runs"], case .array(let list) = runs, let r = list.first {
                status = r["status"]?.stringValue ?? status
                details = r["status-details"]?.stringValue ?? details
            }
            recorded = try recordRounds(number, from: link, path: metricsPath, after: recorded, since: &lastRoundAt)
            if status.hasPrefix("finished") { break }
            // A SuperNode that died is replaced on its participant's next VM (the orchestrator's
            // circular queue), with a new key and node id; the round it was in goes on without it.
            for (i, dead) in nodes.enumerated() where !dead.site.isAlive(pidFile: dead.pidFile) {
                let why = dead.site.exitReason(dead.logFile)
                guard dead.generation < maxReplacements[i] else {
                    try recordEnd(number, config: config, startedAt: startedAt, status: .failed)
                    throw Failure(description: "run.\(number): the Flower SuperNode of \(dead.participant.name) on \(dead.vm) (\(dead.site.host.label)) exited, \(dead.generation) replacements already: \(why)")
                }
                starter.unregister(dead)
                let vm = FlowerNodeStarter.nextVM(dead.participant, after: dead.vm)
                let node = try starter.start(dead.participant, partition: dead.partition, vm: vm, generation: dead.generation + 1)
                nodes[i] = node
                replaced[dead.participant.name, default: []].append(.object(["from": .string(dead.vm), "to": .string(vm), "afterRound": .number(Double(recorded))]))
                progress("run \(number): the Flower SuperNode of \(dead.participant.name) on \(dead.vm) exited (\(why.isEmpty ? "no log" : why)); replaced on \(vm) (\(node.site.host.label), node \(node.nodeID))")
            }
            guard link.isAlive(pidFile: "superlink.pid") else {
                try recordEnd(number, config: config, startedAt: startedAt, status: .failed)
                throw Failure(description: "run.\(number): the Flower SuperLink on \(link.host.label) exited: \(link.exitReason("superlink.log"))")
            }
            guard Date() < deadline else {
                _ = try? cli.flwr(["stop", runID, flower.federation], marker: marker, timeout: 30)
                try recordEnd(number, config: config, startedAt: startedAt, status: .failed)
                throw Failure(description: "run.\(number): the Flower run \(runID) did not finish within \(Int(deadline.timeIntervalSince(started))) s (training.rounds × training.roundDeadline + 300 s); its logs are in \(runDir.path)")
            }
            usleep(UInt32(Self.pollSeconds * 1_000_000))
        }
        // The run's own log, kept beside the processes' logs.
        if let log = try? cli.flwr(["log", runID, flower.federation, "--show"], marker: marker, timeout: 60) {
            try? Data((log.stdout + log.stderr).utf8).write(to: runDir.appendingPathComponent("run.log"), options: .atomic)
        }
        guard status == "finished:completed" else {
            try recordEnd(number, config: config, startedAt: startedAt, status: .failed)
            throw Failure(description: "run.\(number): the Flower run \(runID) ended \(status.isEmpty ? "in an unknown state" : status): \(details.isEmpty ? "see \(runDir.appendingPathComponent("run.log").path)" : details)")
        }
        guard let modelBytes = try link.read("\(link.directory)/model.safetensors") else {
            try recordEnd(number, config: config, startedAt: startedAt, status: .failed)
            throw Failure(description: "run.\(number): the Flower run \(runID) completed but its ServerApp wrote no model to fedplane-model-path (README: Flower apps on fedplane infrastructure)")
        }
        do { _ = try SafeTensors.decode(modelBytes) } catch {
            try recordEnd(number, config: config, startedAt: startedAt, status: .failed)
            throw Failure(description: "run.\(number): the model the Flower app wrote is not a safetensors file fedplane can read: \(error)")
        }
        let modelID = try ModelStore(root: environment.modelRoot).put(modelBytes)
        // The final model's own metrics, when the ServerApp measured it (else none: the rounds'
        // metrics belong to the models that entered them).
        let finalMetrics = (try? link.read(metricsPath)).flatMap { FlowerMetrics.parse(String(decoding: $0, as: UTF8.self)).last { $0.final } }
        try store.write { tx in
            _ = try tx.recordModel(ModelRecord(id: modelID, run: number, round: spec.training.rounds, configHash: config.configHash,
                                               sizeBytes: modelBytes.count, metrics: (finalMetrics?.metrics ?? .object([:])).canonical, created: tx.now))
            _ = try tx.recordRun(RunRecord(run: number, configHash: config.configHash, status: .succeeded, started: startedAt ?? tx.now, finished: tx.now))
        }
        if let m = finalMetrics {
            func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
            progress("final model (flower): \(m.participants.map(String.init) ?? "-") participants, loss \(f(m.loss)), accuracy \(f(m.accuracy)), F1 \(f(m.f1))")
        }
        progress("run \(number): Flower run \(runID) completed: \(recorded) rounds recorded, final model \(modelID.prefix(12)) in the registry, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        var portsJSON: [String: JSONValue] = [:]
        for n in nodes { portsJSON[n.participant.name] = .number(Double(n.port)) }
        var attributes: [String: JSONValue] = [
            "rounds": .number(Double(spec.training.rounds)), "finalModel": .string(modelID), "status": "succeeded",
            "configHash": .string(config.configHash), "runtime": "flower", "flowerRunID": .string(runID),
            "superlink": .string(address), "supernodePorts": .object(portsJSON),
            "supernodeVMs": .object(Dictionary(uniqueKeysWithValues: nodes.map { ($0.participant.name, JSONValue.string($0.vm)) })),
        ]
        if !replaced.isEmpty { attributes["supernodeReplacements"] = .object(replaced.mapValues { .array($0) }) }
        return ObservedResource(providerID: "run:\(number)", attributes: .object(attributes))
    }

    func recordEnd(_ number: Int, config: RunConfig, startedAt: Date?, status: RunRecord.Status) throws {
        try store.write { tx in
            _ = try tx.recordRun(RunRecord(run: number, configHash: config.configHash, status: status, started: startedAt ?? tx.now, finished: tx.now))
        }
    }

    /// Reads the metrics file and records the rounds after `after`; returns the last recorded.
    func recordRounds(_ number: Int, from link: FlowerSite, path: String, after: Int, since last: inout Date) throws -> Int {
        guard let bytes = try? link.read(path) else { return after }
        var done = after
        for line in FlowerMetrics.parse(String(decoding: bytes, as: UTF8.self)) where !line.final && line.round > done {
            let now = Date()
            try store.write { tx in
                _ = try tx.recordRound(RoundRecord(run: number, round: line.round, participants: line.participants ?? 0, loss: line.loss,
                                                   accuracy: line.accuracy, precision: line.precision, recall: line.recall, f1: line.f1,
                                                   durationSeconds: now.timeIntervalSince(last), committed: tx.now, aggregation: "flower"))
            }
            last = now
            done = line.round
            func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
            progress("round \(line.round)/\(spec.training.rounds) (flower): \(line.participants.map(String.init) ?? "-") participants, loss \(f(line.loss)), accuracy \(f(line.accuracy)), F1 \(f(line.f1))")
        }
        return done
    }

    /// Copies a local file to the site (0600) unless the site is this machine; returns the path
    /// Flower gets.
    func place(_ file: URL, as name: String, at site: FlowerSite) throws -> String {
        if site.host is LocalHost { return file.path }
        try site.host.put(file, to: "\(site.directory)/\(name)")
        return "\(site.directory)/\(name)"
    }

    /// Waits until `port` on the site's host accepts connections, or the process has exited.
    static func waitListening(_ site: FlowerSite, port: Int, what: String, seconds: Double = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        let probe = "\(Shell.quote(site.interpreter.python)) -c 'import socket,sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 1)' \(port) 2>/dev/null"
        while true {
            if (try? site.host.shell(probe, input: nil, timeout: 15).status) == 0 { return }
            guard site.isAlive(pidFile: "superlink.pid") else {
                throw Failure(description: "\(what) on \(site.host.label) exited at start: \(site.exitReason("superlink.log"))")
            }
            guard Date() < deadline, Shutdown.signal == nil else {
                throw Failure(description: "\(what) on \(site.host.label) did not listen on port \(port) within \(Int(seconds)) s: \(site.tail("superlink.log", lines: 3))")
            }
            usleep(300_000)
        }
    }

    /// A free port on the site's 127.0.0.1, at random below the kernel's ephemeral range, as the
    /// local provider picks the aggregator's: a released bind(0) port goes back to the pool every
    /// other bind(0) and outgoing connection draws from before the SuperNode binds it.
    static func freePort(_ site: FlowerSite) throws -> Int {
        let script = """
            import random, socket
            try: low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
            except Exception: low = 32768
            first, last = (10000, low - 1) if low - 10000 >= 1000 else (1024, 65535)
            for _ in range(256):
                p = random.randint(first, last); s = socket.socket()
                try: s.bind(("127.0.0.1", p)); print(p); break
                except OSError: pass
                finally: s.close()
            """
        let out = try site.host.run("\(Shell.quote(site.interpreter.python)) -c \(Shell.quote(script))", "choose a port")
        guard let p = Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw Failure(description: "no free port on \(site.host.label): \(out)") }
        return p
    }

    /// The participant's assigned VM (the plan's assignment), else its first VM.
    static func assignedVM(_ p: ParticipantSpec, snapshot: StateSnapshot) -> String {
        if let row = snapshot.resource(at: "assignment.\(p.name)"), let a = try? JSONValue.parse(row.attributes),
           let vm = a["inputs"]?["vm"]?.stringValue ?? a["observed"]?["vm"]?.stringValue {
            return vm
        }
        return p.vms.first { $0.state == .active }?.id ?? p.vms.first?.id ?? "vm"
    }

    /// `https://host:port` → `host:port`.
    static func hostPort(_ endpoint: String) -> String? {
        guard let u = URL(string: endpoint), let h = u.host, let p = u.port else { return nil }
        return h.contains(":") ? "[\(h)]:\(p)" : "\(h):\(p)"
    }

    static func tlsFiles(_ pki: FederationPKI) throws -> (ca: URL, certificate: URL, key: URL) {
        let files = (pki.caCertificateFile, pki.certificateFile(.aggregator), pki.keyFile(.aggregator))
        for f in [files.0, files.1, files.2] where !FileManager.default.fileExists(atPath: f.path) {
            throw Failure(description: "the Flower SuperLink uses the federation's TLS certificates and \(f.path) does not exist (plan and apply create them)")
        }
        return files
    }

    static func distinct(_ hosts: [any FedHost.Host]) -> [any FedHost.Host] {
        var seen = Set<String>()
        return hosts.filter { seen.insert($0.label).inserted }
    }

    /// What defines a Flower run beyond the common settings: the app (its path and a digest of
    /// its Python and TOML files) and the run config. nil for the built-in runtime, so its
    /// runs keep their configuration hashes.
    public static func identity(_ spec: Spec) -> FlowerIdentity? {
        guard spec.training.runtime == .flower, let f = spec.training.flower else { return nil }
        let dir = FlowerAppCheck.directory(f.app, specDirectory: URL(fileURLWithPath: spec.file).deletingLastPathComponent())
        return FlowerIdentity(app: f.app, appDigest: appDigest(dir), runConfig: FlowerConfig.runConfig(f.runConfig, metricsPath: "", modelPath: "", nodes: nil))
    }

    /// Copies the app directory without hidden directories (.git, .venv) and __pycache__.
    static func copyApp(_ source: URL, to target: URL) throws {
        let fm = FileManager.default
        try? fm.removeItem(at: target)
        try fm.createDirectory(at: target, withIntermediateDirectories: true)
        guard let walk = fm.enumerator(at: source, includingPropertiesForKeys: [.isDirectoryKey, .isRegularFileKey]) else { return }
        for case let url as URL in walk {
            let values = try url.resourceValues(forKeys: [.isDirectoryKey, .isRegularFileKey])
            let name = url.lastPathComponent
            if values.isDirectory == true {
                if name.hasPrefix(".") || name == "__pycache__" { walk.skipDescendants(); continue }
                let relative = String(url.standardizedFileURL.path.dropFirst(source.standardizedFileURL.path.count))
                try fm.createDirectory(at: target.appendingPathComponent(relative), withIntermediateDirectories: true)
            } else if values.isRegularFile == true {
                let relative = String(url.standardizedFileURL.path.dropFirst(source.standardizedFileURL.path.count))
                try fm.copyItem(at: url, to: target.appendingPathComponent(relative))
            }
        }
    }

    /// SHA-256 over the app's .py and .toml files (relative path and content, sorted by path).
    static func appDigest(_ dir: URL) -> String {
        var bytes: [UInt8] = []
        let fm = FileManager.default
        let files = (fm.enumerator(atPath: dir.path)?.allObjects as? [String] ?? [])
            .filter { ($0.hasSuffix(".py") || $0.hasSuffix(".toml")) && !$0.contains("__pycache__") && !$0.split(separator: "/").contains { $0.hasPrefix(".") } }
            .sorted()
        for f in files {
            guard let data = fm.contents(atPath: dir.appendingPathComponent(f).path), data.count <= 4 << 20 else { continue }
            bytes += Array(f.utf8) + [0] + Array(String(data.count).utf8) + [0] + [UInt8](data)
        }
        return "sha256:" + SHA256.hex(bytes)
    }
}

/// The app's identity in the run configuration (part of its hash).
public struct FlowerIdentity: Codable, Sendable, Equatable {
    public var app: String
    public var appDigest: String
    public var runConfig: String
}

/// The ServerApp's per-round lines (README: Flower apps on fedplane infrastructure): one JSON
/// object per line with "round" and any of loss, accuracy, precision, recall, f1, participants,
/// samples. Lines that are not such objects are skipped (a line being written is incomplete).
enum FlowerMetrics {
    struct Line: Equatable {
        var round: Int
        var loss, accuracy, precision, recall, f1: Double?
        var participants, samples: Int?
        /// The final model's own metrics (`"final": true`; round is 0).
        var final = false

        /// The metrics object recorded with a model (as the built-in runtime's).
        var metrics: JSONValue {
            var o: [String: JSONValue] = [:]
            for (k, v) in [("loss", loss), ("accuracy", accuracy), ("precision", precision), ("recall", recall), ("f1", f1)] {
                if let v { o[k] = .number(v) }
            }
            if let participants { o["participants"] = .number(Double(participants)) }
            return .object(o)
        }
    }

    static func parse(_ text: String) -> [Line] {
        text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { raw in
            guard raw.hasSuffix("}"), let v = try? JSONValue.parse(String(raw)) else { return nil }
            let final = v["final"] == .bool(true)
            let round = v["round"]?.numberValue ?? 0
            guard final || (round >= 1 && round == round.rounded() && round < 1e9) else { return nil }
            func d(_ k: String) -> Double? { v[k]?.numberValue.flatMap { $0.isFinite ? $0 : nil } }
            return Line(round: final ? 0 : Int(round), loss: d("loss"), accuracy: d("accuracy"), precision: d("precision"), recall: d("recall"), f1: d("f1"),
                        participants: d("participants").map { Int($0) }, samples: d("samples").map { Int($0) }, final: final)
        }
    }
}
