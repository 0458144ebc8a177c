import FedCloud
import FedDigest
import FedSpec
import FedState
import FedRuntime
import Foundation

/// How training runs appear in the plan: `run.<n>`, whose inputs are the run's configuration.
/// The latest run is kept while its configuration hash matches the spec; a changed
/// hyperparameter plans a new run. Earlier runs stay in the state as history (their rounds and
/// models remain queryable) and are never planned for deletion, except by destroy, which removes
/// the `run.<n>` resources but keeps the runs' records and models: the next apply trains a fresh
/// run numbered after the last one.
public enum RunPlanning {
    public struct Recorded: Sendable {
        var number: Int
        var inputs: [String: JSONValue]
    }

    static func number(_ address: String) -> Int { Int(address.dropFirst("run.".count)) ?? 0 }

    static func recorded(_ state: StateSnapshot?) -> [Recorded] {
        (state?.resources ?? []).filter { $0.type == ResourceKind.run.rawValue }
            .map { Recorded(number: number($0.address), inputs: RecordedResource($0).inputs) }
            .sorted { $0.number < $1.number }
    }

    static func inputs(_ spec: Spec) -> [String: JSONValue] {
        let config = RunCoordinator.config(spec, run: 0)
        let h = config.hyperparameters
        let trainer: String
        switch config.trainer {
        case .builtin(let b): trainer = "builtin:\(b)"
        case .command(let argv): trainer = "command:" + argv.joined(separator: " ")
        }
        return ["configHash": .string(config.configHash), "trainer": .string(trainer), "rounds": .number(Double(h.rounds)),
                "epochs": .number(Double(h.epochs)), "batchSize": .number(Double(h.batchSize)),
                "learningRate": .number(h.learningRate), "minParticipants": .number(Double(h.minParticipants)),
                "participants": .array(config.participants.map { .string($0) }),
                "initialModel": .string(config.initialModel ?? "the trainer's seeded initial weights")]
            // Only a robust rule shows: FedAvg runs keep the inputs (and plans) they had before.
            .merging(h.aggregation.map { ["aggregation": .string($0.label)] } ?? [:]) { a, _ in a }
            // A Flower run shows its app and run config (what changes it); built-in runs keep their inputs.
            .merging(config.flower.map { ["trainer": .string("flower:\($0.app)"), "flowerApp": .string($0.appDigest),
                                          "flowerRunConfig": .string($0.runConfig.split(separator: "\n").filter { !$0.hasPrefix("fedplane-") }.joined(separator: "; "))] } ?? [:]) { _, b in b }
    }

    /// The run resources of the desired graph.
    /// `lastRun`: the highest run number in the state's history (a destroyed federation's runs
    /// stay there), so a new run never reuses a number.
    static func desired(_ spec: Spec, recorded: [Recorded], lastRun: Int = 0, dependsOn: [String]) -> [DesiredResource] {
        let wanted = inputs(spec)
        var out = recorded.map { r in
            DesiredResource(address: "run.\(r.number)", kind: .run, cloud: "", provider: RunDirectories.kind, inputs: r.inputs,
                            dependsOn: dependsOn, replaceOn: [], note: nil)
        }
        if let last = recorded.last, last.inputs["configHash"] == wanted["configHash"] { return out }
        let changes = recorded.last.map { Planner.differences($0.inputs, wanted).filter { $0.key != "configHash" }.map(\.text) } ?? []
        let note: String
        if !recorded.isEmpty {
            note = "a new run: \(changes.joined(separator: "; "))"
        } else if lastRun > 0 {
            note = "a fresh run; " + (lastRun == 1 ? "run 1 is" : "runs 1–\(lastRun) are") + " kept as history (rounds and models)"
        } else {
            note = "the first training run"
        }
        out.append(DesiredResource(address: "run.\(max(recorded.last?.number ?? 0, lastRun) + 1)", kind: .run, cloud: "",
                                   provider: RunDirectories.kind, inputs: wanted, dependsOn: dependsOn, replaceOn: [], note: note))
        return out
    }
}

/// Runs as the state sees them: a run's working directory exists once it started. Creating and
/// updating are the coordinator's (apply trains); deleting removes the directory, not the run's
/// history or models.
struct RunDirectories: Provider {
    static let kind = "runtime"
    var kind: String { Self.kind }
    let root: URL

    func directory(_ address: String) -> URL { root.appendingPathComponent("run/\(RunPlanning.number(address))") }

    func create(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource {
        throw ProviderError(provider: kind, address: request.address, operation: "create", message: "runs are carried out by apply's coordinator", retryable: false)
    }

    func read(address: String, kind: ResourceKind) throws(ProviderError) -> ObservedResource? {
        FileManager.default.fileExists(atPath: directory(address).path)
            ? ObservedResource(providerID: "run:\(RunPlanning.number(address))", attributes: [:]) : nil
    }

    func update(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource { try create(request) }

    func delete(address: String, kind: ResourceKind) throws(ProviderError) {
        try? FileManager.default.removeItem(at: directory(address))
    }
}
