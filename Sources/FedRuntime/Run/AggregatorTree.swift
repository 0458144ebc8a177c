import FedCloud
import FedDigest
import FedHTTP
import FedOrchestrate
import FedPKI
import FedState
import Foundation

/// The regional aggregators of a hierarchical run (`aggregator.regional.<n>` in the state, issue
/// 16), around the global one (`aggregator.main`). Each is the same aggregator service with a
/// parent: the participants it serves send to it, and when the coordinator closes its round it
/// posts the result (FedAvg by samples, summed samples, summed evaluation) to the global
/// aggregator as one update, with its own client certificate. The global aggregator then admits
/// the regional aggregators and the participants it serves directly, and closes last. Empty for a
/// flat run, which then runs exactly as before.
struct AggregatorTree {
    struct Regional {
        let name: String
        let participants: [String]
        let endpoint: String
        let client: AggregatorClient
        let handle: any AggregatorHandle
        var address: String { "aggregator.regional.\(name)" }
    }

    let regionals: [Regional]
    var isFlat: Bool { regionals.isEmpty }

    /// Reads the regional aggregators from `snapshot` and writes each one's launch file (0600)
    /// into `runDir`; nothing is started yet. `hosting` says, from a row's address, provider and
    /// observed attributes, whether its aggregator runs on a machine reached over SSH (then it is
    /// started there, binding `remoteBind`), else it is a process on this machine.
    init(snapshot: StateSnapshot, pki: FederationPKI, run: Int, federation: String, runDir: URL,
         parentEndpoint: String, coordinator: ClientTLS, bind: String,
         remoteBind: String = "0.0.0.0", hosting: (_ address: String, _ provider: String, _ observed: JSONValue) -> AggregatorHost? = { _, _, _ in nil }) throws {
        let rows = snapshot.resources.filter { $0.address.hasPrefix("aggregator.regional.") && $0.type == "aggregator" }
        var out: [Regional] = []
        let coordinatorPin = try RunCredentials.pin(pki, .coordinator, run: run)
        for row in rows {
            let doc = (try? JSONValue.parse(row.attributes)) ?? .object([:])
            let name = String(row.address.dropFirst("aggregator.regional.".count))
            guard case .array(let members)? = doc["inputs"]?["participants"],
                  let observed = doc["observed"], let port = observed["port"]?.numberValue,
                  let workdir = observed["workdir"]?.stringValue else {
                throw RunCoordinator.Failure(description: "run.\(run) needs \(row.address), which is not recorded yet")
            }
            let participants = members.compactMap(\.stringValue)
            let id = FederationIdentity.regional(name)
            var clients = [Caller.coordinator.label: coordinatorPin]
            for p in participants { clients[Caller.participant(p).label] = try RunCredentials.pin(pki, .participant(p), run: run) }
            var launch = AggregatorLaunch(
                federation: federation, run: run, participants: participants,
                tls: ServerTLS(caFile: pki.caCertificateFile.path, certificateFile: pki.certificateFile(id).path, keyFile: pki.keyFile(id).path),
                clients: clients)
            launch.parent = ParentLink(endpoint: parentEndpoint, name: name, tls: RunCredentials.client(pki, id))
            let file = runDir.appendingPathComponent("aggregator-regional-\(name).json")
            try launch.write(to: file.path)
            let endpoint = observed["endpoint"]?.stringValue ?? "https://127.0.0.1:\(Int(port))"
            // On an ssh cloud's host (its launch, certificate and key go there), else here.
            let handle: any AggregatorHandle
            if let remote = hosting(row.address, row.provider, observed) {
                handle = RemoteAggregator(machine: remote.machine, directory: remote.directory, federationDirectory: remote.federationDirectory,
                                          port: Int(port), bind: remoteBind, launch: launch)
            } else {
                handle = AggregatorProcess(workdir: URL(fileURLWithPath: workdir), port: Int(port), configFile: file, bind: bind, address: row.address)
            }
            out.append(Regional(name: name, participants: participants, endpoint: endpoint,
                                client: AggregatorClient(base: endpoint, tls: coordinator), handle: handle))
        }
        regionals = out
    }

    /// The global aggregator's launch: the participants served by a regional aggregator are
    /// neither admitted nor expected there; each regional aggregator is, by its certificate.
    func global(_ launch: AggregatorLaunch, pki: FederationPKI, run: Int) throws -> AggregatorLaunch {
        guard !isFlat else { return launch }
        var out = launch
        let served = Set(regionals.flatMap(\.participants))
        out.participants = launch.participants.filter { !served.contains($0) } + regionals.map { Caller.regional($0.name).contributorName! }
        var clients = (launch.clients ?? [:]).filter { key, _ in
            guard case .participant(let p)? = Caller(label: key) else { return true }
            return !served.contains(p)
        }
        for r in regionals { clients[Caller.regional(r.name).label] = try RunCredentials.pin(pki, .regional(r.name), run: run) }
        out.clients = clients
        return out
    }

    /// Participant → the regional aggregator it sends to (participants served directly: absent).
    var endpoints: [String: String] {
        Dictionary(regionals.flatMap { r in r.participants.map { ($0, r.endpoint) } }, uniquingKeysWith: { a, _ in a })
    }

    /// Starts, stops and restarts the global aggregator and the regional ones together (a round
    /// that failed on any of them runs again on all, from its opening global model).
    func including(_ main: any AggregatorHandle) -> any AggregatorHandle {
        isFlat ? main : AggregatorGroup(handles: [main] + regionals.map(\.handle))
    }

    func waitHealthy() throws {
        for r in regionals { try RunCoordinator.waitHealthy(r.client, endpoint: r.endpoint) }
    }

    /// True when the global aggregator and every regional one answer their health check now.
    func allAnswer(global: AggregatorClient) -> Bool {
        (try? global.health()) != nil && regionals.allSatisfy { (try? $0.client.health()) != nil }
    }

    /// Opens round `r` on every regional aggregator with the same global model.
    func open(round r: Int, global: [UInt8]) throws {
        for reg in regionals { try reg.client.open(round: r, global: global) }
    }

    /// Closes round `r` on each regional aggregator that has a participant who delivered this
    /// round: each posts its result to the global aggregator as it closes. Returns, per
    /// regional contributor name, its round's result (the participants it stood for, their bytes).
    @discardableResult
    func close(round r: Int, outcome: RoundOutcome, evaluateOnly: Bool) throws -> [String: AggregatorState.RoundResult] {
        // A regional aggregator that died during the round made its participants drop out: that
        // is the aggregator's failure, not theirs, so the round runs again after a restart.
        for reg in regionals where !reg.handle.isAlive {
            throw HTTPUnreachable(description: "regional aggregator \(reg.name) is not running")
        }
        let delivered = Set(outcome.participants.filter { !$0.droppedOut }.map(\.participant))
        // All its participants dropped out: ask the regional aggregator itself, since a killed one
        // on a host whose init does not reap can still look alive by its pid (a zombie).
        for reg in regionals where !reg.participants.contains(where: delivered.contains) {
            do { _ = try reg.client.health() } catch {
                throw HTTPUnreachable(description: "regional aggregator \(reg.name) does not answer: \(error)")
            }
        }
        var standsFor: [String: AggregatorState.RoundResult] = [:]
        for reg in regionals where reg.participants.contains(where: delivered.contains) {
            standsFor[Caller.regional(reg.name).contributorName!] = try reg.client.close(round: r, minParticipants: 1, evaluateOnly: evaluateOnly)
        }
        return standsFor
    }

    /// The global aggregator's minimum: the spec's minParticipants counts participants, which the
    /// coordinator has checked on the round's outcome; the global one sees regional aggregators.
    func globalMinimum(_ minParticipants: Int) -> Int { isFlat ? minParticipants : 1 }

    /// The global result with each regional contributor replaced by the participants it stood
    /// for, and their bytes as their regional aggregator counted them (the records are per
    /// participant; the regional → global hop is aggregator traffic, not recorded).
    static func expand(_ result: AggregatorState.RoundResult, _ standsFor: [String: AggregatorState.RoundResult]) -> AggregatorState.RoundResult {
        guard !standsFor.isEmpty else { return result }
        var out = result
        out.participants = result.participants.flatMap { standsFor[$0]?.participants ?? [$0] }.sorted()
        out.traffic = result.traffic.map { rows in
            // A regional aggregator the global one counted no bytes from (the evaluation pass: its
            // evaluation is not an update) still stood for its participants' downloads.
            let counted = Set(rows.map(\.participant))
            return rows.flatMap { row in standsFor[row.participant].map { $0.traffic ?? [] } ?? [row] }
                + standsFor.keys.sorted().filter { !counted.contains($0) }.flatMap { standsFor[$0]?.traffic ?? [] }
        }
        return out
    }
}

extension AggregatorTree {
    /// The round's result as the coordinator records it: `expand`ed, plus one row per regional
    /// aggregator for the regional → global hop under its contributor name `regional:<n>` (a colon
    /// is never in a participant's name, so `cost` keeps these rows apart): up = its update's body
    /// as the global aggregator counted it, down = the global model its round was opened with
    /// (the coordinator sends a regional aggregator the model itself, as it does the global one).
    func recorded(_ result: AggregatorState.RoundResult, _ standsFor: [String: AggregatorState.RoundResult],
                  opened modelBytes: Int) -> AggregatorState.RoundResult {
        var out = Self.expand(result, standsFor)
        guard !isFlat else { return out }
        let hop = regionals.map { reg in
            let contributor = Caller.regional(reg.name).contributorName!
            let up = result.traffic?.first { $0.participant == contributor }?.bytesUp ?? 0
            return ParticipantTraffic(participant: contributor, bytesUp: up, bytesDown: modelBytes)
        }
        out.traffic = (out.traffic ?? []) + hop
        return out
    }
}

/// Several aggregator services handled as one by the run's restart loop.
final class AggregatorGroup: AggregatorHandle {
    let handles: [any AggregatorHandle]
    init(handles: [any AggregatorHandle]) { self.handles = handles }

    func start() throws { for h in handles { try h.start() } }
    func ensureRunning() throws { for h in handles { try h.ensureRunning() } }
    var isAlive: Bool { handles.allSatisfy(\.isAlive) }
    /// All of them: a round closed on a surviving regional aggregator cannot be opened there
    /// again, and the round runs again everywhere from its opening global model.
    func restart() throws {
        stop()
        try start()
    }
    func stop() { for h in handles { h.stop() } }
}
