import FedTrain
import FedWeights
import Foundation

/// A participant's task for one round, run as its own process on the assigned VM: fetch the
/// global model, evaluate it on the local validation split, train on the local training split,
/// send the update and the evaluation. The participant's data never leaves this process.
public struct Agent: Sendable {
    public let assignment: AgentAssignment

    public init(assignment: AgentAssignment) { self.assignment = assignment }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Parameter evaluateOnly: the pass after the last round, which only measures the model.
    public func run(round: Int, evaluateOnly: Bool = false) throws {
        let config = assignment.config
        guard let index = assignment.participantIndex else {
            throw Failure(description: "participant \(assignment.participant) is not in the run's participants \(config.participants)")
        }
        let client = AggregatorClient(base: assignment.aggregator, token: assignment.token)
        let global = try SafeTensors.decode(try client.global(round: round))
        let data = try FederatedSplit(participants: config.participants.count, seed: config.dataSeed).participant(index)
        let trainer = try Self.trainer(config.trainer)
        let h = config.hyperparameters
        if evaluateOnly {
            let evaluation = try trainer.evaluate(global, on: data.validation)
            try client.submitEvaluation(round: round, participant: assignment.participant, evaluation: evaluation)
            return
        }
        let context = RoundContext(round: round, participant: assignment.participant, participantIndex: index,
                                   participants: config.participants.count, epochs: h.epochs, batchSize: h.batchSize,
                                   learningRate: h.learningRate,
                                   seed: RoundContext.taskSeed(runSeed: h.seed, round: round, participantIndex: index),
                                   dataDirectory: nil)
        let update = try trainer.runRound(global: global, data: data, context: context)
        try client.submit(round: round, participant: assignment.participant, update: try SafeTensors.encode(update.weights),
                          trainSamples: update.trainSamples, evaluation: update.evaluation)
    }

    public static func trainer(_ spec: RunConfig.TrainerSpec) throws -> any Trainer {
        switch spec {
        case .builtin(let name):
            guard let kind = BuiltinTrainerKind(rawValue: name) else {
                throw Failure(description: "unknown built-in trainer \(name)")
            }
            return kind.make(for: .wdbc)
        case .command:
            throw Failure(description: "external command trainers run through ExternalCommandTrainer (not wired yet)")
        }
    }
}
