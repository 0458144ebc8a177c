import FedTrain
import FedWeights
import Foundation

/// The aggregator's memory of the run: the current round's global model, the updates received,
/// and each closed round's result. It only ever sees parameters and metrics, never data.
public actor AggregatorState {
    public struct Update: Sendable {
        public var weights: ModelWeights
        public var trainSamples: Int
    }

    public struct RoundResult: Codable, Sendable, Equatable {
        public var round: Int
        public var participants: [String]
        public var trainSamples: Int
        /// The global model that entered the round, evaluated by the participants on their
        /// validation splits and combined from their confusion matrices.
        public var evaluated: Evaluation?
        public var accuracy: Double?
        public var precision: Double?
        public var recall: Double?
        public var f1: Double?
        public var loss: Double?
        public var aggregationSeconds: Double
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var description: String
    }

    private var round = 0
    private var global: [UInt8]?
    private var updates: [String: Update] = [:]
    private var evaluations: [String: Evaluation] = [:]
    private var results: [Int: (RoundResult, [UInt8])] = [:]

    public init() {}

    public var currentRound: Int { round }

    /// Opens round `r` with `weights` as the global model (a restart may reopen a round).
    public func open(round r: Int, weights: [UInt8]) throws {
        _ = try SafeTensors.decode(weights)
        round = r
        global = weights
        updates = [:]
        evaluations = [:]
    }

    public func globalModel(round r: Int) throws -> [UInt8] {
        guard r == round, let global else { throw Failure(status: 404, description: "round \(r) is not open (current round \(round))") }
        return global
    }

    /// An update for the open round. A second update of the same participant (a retry on another
    /// VM) replaces the first.
    public func submit(round r: Int, participant: String, weights: [UInt8], trainSamples: Int, evaluation: Evaluation) throws {
        guard r == round, global != nil else { throw Failure(status: 409, description: "round \(r) is not open (current round \(round))") }
        guard trainSamples > 0 else { throw Failure(status: 400, description: "an update needs a positive sample count") }
        let decoded: ModelWeights
        do { decoded = try SafeTensors.decode(weights) } catch {
            throw Failure(status: 400, description: "the update is not a valid safetensors model: \(error)")
        }
        updates[participant] = Update(weights: decoded, trainSamples: trainSamples)
        evaluations[participant] = evaluation
    }

    /// Only an evaluation of the open round's global model (the pass after the last round).
    public func submitEvaluation(round r: Int, participant: String, evaluation: Evaluation) throws {
        guard r == round, global != nil else { throw Failure(status: 409, description: "round \(r) is not open (current round \(round))") }
        evaluations[participant] = evaluation
    }

    public var received: [String] { Set(updates.keys).union(evaluations.keys).sorted() }

    /// FedAvg of the round's updates (weighted by training samples) and the metrics of the
    /// round's global model from the summed confusion matrices; refuses fewer than
    /// `minParticipants` contributions. With `aggregate` false only the evaluations count.
    public func close(round r: Int, minParticipants: Int, aggregate: Bool = true) throws -> RoundResult {
        if let (done, _) = results[r] { return done }
        guard r == round, let global else { throw Failure(status: 409, description: "round \(r) is not open (current round \(round))") }
        let names = (aggregate ? Array(updates.keys) : Array(evaluations.keys)).sorted()
        guard names.count >= minParticipants else {
            throw Failure(status: 409, description: "round \(r) has \(names.count) \(aggregate ? "update" : "evaluation")\(names.count == 1 ? "" : "s"), fewer than minParticipants \(minParticipants)")
        }
        let start = Date()
        var bytes = global
        if aggregate {
            var out = try FedAvg.average(names.map { (weights: updates[$0]!.weights, samples: updates[$0]!.trainSamples) })
            out.metadata = ["fedplane.round": "\(r)", "fedplane.participants": names.joined(separator: ",")]
            bytes = try SafeTensors.encode(out)
        }
        let seconds = Date().timeIntervalSince(start)
        let evaluated = try? Evaluation.combined(names.compactMap { evaluations[$0] })
        let result = RoundResult(
            round: r, participants: names, trainSamples: names.reduce(0) { $0 + (updates[$1]?.trainSamples ?? 0) },
            evaluated: evaluated, accuracy: evaluated?.accuracy, precision: evaluated?.macroPrecision,
            recall: evaluated?.macroRecall, f1: evaluated?.macroF1, loss: evaluated?.loss, aggregationSeconds: seconds)
        results[r] = (result, bytes)
        return result
    }

    public func result(round r: Int) throws -> [UInt8] {
        guard let (_, bytes) = results[r] else { throw Failure(status: 404, description: "round \(r) has no result yet") }
        return bytes
    }
}
