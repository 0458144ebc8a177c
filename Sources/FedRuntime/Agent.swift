import FedTrace
import FedTrain
import FedWeights
import Foundation

/// A participant's task for one round, run as its own process on the assigned VM: fetch the
/// global model, evaluate it on the local validation split, train on the local training split,
/// send the update and the evaluation. The participant's data never leaves this process.
public struct Agent: Sendable {
    public let assignment: AgentAssignment
    /// Test support only: changes the update before it is sent (a hostile participant).
    let tamper: (@Sendable (LocalUpdate) -> LocalUpdate)?

    public init(assignment: AgentAssignment, tamper: (@Sendable (LocalUpdate) -> LocalUpdate)? = nil) {
        self.assignment = assignment
        self.tamper = tamper
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Parameter evaluateOnly: the pass after the last round, which only measures the model.
    public func run(round: Int, evaluateOnly: Bool = false) throws {
        let config = assignment.config
        guard let index = assignment.participantIndex else {
            throw Failure(description: "participant \(assignment.participant) is not in the run's participants \(config.participants)")
        }
        // External trainers move the model as files, never decoded (Agent+CommandTrainer.swift).
        if case .command(let argv) = config.trainer {
            return try runCommand(argv, persistent: config.persistentTrainer == true, round: round, evaluateOnly: evaluateOnly, participantIndex: index)
        }
        let client = AggregatorClient(base: assignment.aggregator, tls: assignment.tls)
        let trace = Tracer(role: "agent", participant: assignment.participant)
        let global = try trace.span("download", round: round) { try SafeTensors.decode(try client.global(round: round)) }
        let data = try trace.span("data", round: round) { try Self.localData(config, participant: assignment.participant, index: index) }
        let h = config.hyperparameters
        let context = RoundContext(round: round, participant: assignment.participant, participantIndex: index,
                                   participants: config.participants.count, epochs: evaluateOnly ? 0 : h.epochs,
                                   batchSize: h.batchSize, learningRate: h.learningRate,
                                   seed: RoundContext.taskSeed(runSeed: h.seed, round: round, participantIndex: index),
                                   dataDirectory: nil)
        let update: LocalUpdate
        switch config.trainer {
        case .builtin:
            let trainer = try Self.trainer(config.trainer, data: config.data)
            if evaluateOnly {
                let evaluation = try trainer.evaluate(global, on: data.validation)
                try deliver(round: round) { try client.submitEvaluation(round: round, participant: assignment.participant, evaluation: evaluation) }
                return
            }
            let started = Date()
            update = try trainer.runRound(global: global, data: data, context: context)
            // The benchmark subtracts this from the round's time to get the runtime's overhead.
            print("round \(round): trained in \(String(format: "%.4f", Date().timeIntervalSince(started))) s")
        case .command:
            preconditionFailure("run(round:) hands external trainers to runCommand")
        }
        var sent = update
        if let tamper { sent = tamper(sent) }
        try trace.span("upload", round: round) {
            try deliver(round: round) {
                try client.submit(round: round, participant: assignment.participant, update: try SafeTensors.encode(sent.weights),
                                  trainSamples: sent.trainSamples, evaluation: sent.evaluation)
            }
        }
    }

    /// Sends a contribution. When an earlier attempt of this task (on another VM) already
    /// delivered one, the aggregator keeps that one and refuses this: the task is done.
    func deliver(round: Int, _ send: () throws -> Void) throws {
        do {
            try send()
        } catch let refused as AggregatorClient.Refused
            where refused.status == 409 && refused.message.contains(AggregatorState.alreadyReceived(participant: assignment.participant, round: round)) {
            print("round \(round): the aggregator already has this participant's contribution; it counts")
        }
    }

    /// The model a run starts from: the spec's model file when it names one, else the built-in
    /// trainer's seeded initial weights (an external trainer without a model file starts from the
    /// built-in logistic model, whose tensors the NumPy example shares).
    public static func initialWeights(_ config: RunConfig, modelFile: String?) throws -> ModelWeights {
        if let modelFile { return try SafeTensors.read(contentsOfFile: modelFile) }
        switch config.trainer {
        case .builtin: return try trainer(config.trainer, data: config.data).initialWeights(seed: config.hyperparameters.seed)
        case .command:
            let shape: (features: Int, classes: Int) = config.data.map { ($0.features, $0.classes.count) } ?? (Dataset.wdbc.featureCount, Dataset.wdbc.classCount)
            return BuiltinTrainerKind.logistic.make(features: shape.features, classes: shape.classes).initialWeights(seed: config.hyperparameters.seed)
        }
    }

    /// This participant's data on this host: its own CSV file (split and scaled here), or its
    /// share of the built-in WDBC demo data. It never leaves this process.
    static func localData(_ config: RunConfig, participant: String, index: Int) throws -> ParticipantData {
        guard let spec = config.data else {
            return try FederatedSplit(participants: config.participants.count, seed: config.dataSeed).participant(index)
        }
        guard let path = spec.paths[participant] else {
            throw Failure(description: "the run names no data path for participant \(participant)")
        }
        let dataset = try ParticipantCSV.read(path: path, label: spec.labels[participant] ?? "label", classes: spec.classes, features: spec.features)
        return try ParticipantCSV.split(dataset, seed: config.dataSeed &+ UInt64(index))
    }

    public static func trainer(_ spec: RunConfig.TrainerSpec, data: ParticipantDataSpec? = nil) throws -> any Trainer {
        switch spec {
        case .builtin(let name):
            guard let kind = BuiltinTrainerKind(rawValue: name) else {
                throw Failure(description: "unknown built-in trainer \(name)")
            }
            if let data { return kind.make(features: data.features, classes: data.classes.count) }
            return kind.make(for: .wdbc)
        case .command:
            throw Failure(description: "an external command trainer is run by the agent, not built in")
        }
    }
}
