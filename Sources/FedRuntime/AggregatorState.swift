import FedDigest
import FedTrain
import FedWeights
import Foundation
import NIOCore

/// The aggregator's memory of the run: the current round's global model, the updates received,
/// and each closed round's result. It only ever sees parameters and metrics, never data.
public actor AggregatorState {
    /// A received update as it arrived (safetensors bytes, checked in place): it is averaged
    /// from there, never decoded into `ModelWeights` unless a robust rule needs that.
    struct Update: Sendable {
        var body: ByteBuffer
        var header: SafeTensorsHeader
        var trainSamples: Int
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
        /// Bytes per participant in this round (absent from aggregators before issue 16).
        public var traffic: [ParticipantTraffic]? = nil
        /// SHA-256 (hex) of the round's new global model, hashed once where it was made: the
        /// coordinator checks the model it fetched against it, and opens the next round by naming it.
        public var resultSHA256: String? = nil
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var description: String
    }

    /// The most training samples one update may claim: far above any real split, and small
    /// enough that FedAvg's sums over any number of participants cannot overflow.
    public static let maxTrainSamples = 1_000_000_000
    /// The most classes an evaluation's confusion matrix may have.
    public static let maxClasses = 1_000

    /// The run's participants: only they may send updates and evaluations.
    public let participants: Set<String>
    private var round = 0
    /// The open round's global model as received: served to every participant without a copy.
    private var global: ByteBuffer?
    private var signature: ModelSignature?
    private var closed = false
    private var updates: [String: Update] = [:]
    private var evaluations: [String: Evaluation] = [:]
    private var results: [Int: RoundResult] = [:]
    /// The latest closed round's new global model, kept until the next round closes when that
    /// round opened from it (the coordinator fetches it while the next round runs), else until
    /// the next round opens (earlier ones are never asked for again).
    private var latestResult: (round: Int, bytes: ByteBuffer, sha256: String?)?
    /// Bytes moved per participant in the open round (`RoundTraffic`).
    var traffic = RoundTraffic()

    /// How a round's updates combine, given the round's global model.
    public typealias Aggregation = @Sendable ([(weights: ModelWeights, samples: Int)], ModelWeights) throws -> ModelWeights
    /// nil: FedAvg weighted by training samples, computed on the received bytes in place.
    let aggregation: Aggregation?

    /// - Parameter aggregate: how updates combine (FedAvg weighted by training samples unless
    ///   an `AggregationRule` says otherwise).
    public init(participants: [String], aggregate: Aggregation? = nil) {
        self.participants = Set(participants)
        self.aggregation = aggregate
    }

    public var currentRound: Int { round }

    /// Opens round `r` with `weights` as the global model. A restarted aggregator reopens the
    /// round it stopped in; a round that was closed is never reopened, and an earlier round never.
    /// The global model must be a valid model with finite values.
    public func open(round r: Int, weights: [UInt8]) throws {
        try open(round: r, body: ByteBuffer(bytes: weights))
    }

    /// `open(round:weights:)` with the body as received (checked in place, kept without a copy).
    public func open(round r: Int, body: ByteBuffer) throws {
        guard r >= 1 else { throw Failure(status: 400, description: "round \(r) is not a round number") }
        guard r > round || (r == round && !closed) else {
            throw Failure(status: 409, description: "round \(r) cannot be opened: round \(round) is \(closed ? "closed" : "open")")
        }
        let header: SafeTensorsHeader = try body.withUnsafeReadableBytes { buffer in
            let header: SafeTensorsHeader
            do { header = try SafeTensors.header(buffer) } catch {
                throw Failure(status: 400, description: "the global model is not a valid safetensors model: \(error)")
            }
            do { try ModelCheck.finiteInPlace(header, buffer) } catch {
                throw Failure(status: 422, description: "the global model is refused: \(error)")
            }
            return header
        }
        begin(round: r, body: body, header: header)
    }

    /// Opens round `r` with round `r − 1`'s result as its global model, when this aggregator
    /// still holds that result and it is the model the caller names by its SHA-256: the model
    /// then does not travel back to the aggregator that made it. 404 when the result is not held
    /// here (a restarted aggregator, a later round already opened): send the model instead.
    public func open(round r: Int, fromResultSHA256 sha256: String) throws {
        guard let latest = latestResult, latest.round == r - 1, let digest = latest.sha256 else {
            throw Failure(status: 404, description: "round \(r - 1)'s result is not held here; open round \(r) with the model itself")
        }
        guard digest == sha256 else {
            throw Failure(status: 409, description: "round \(r - 1)'s result here has SHA-256 \(digest), not the \(sha256) named")
        }
        guard r > round || (r == round && !closed) else {
            throw Failure(status: 409, description: "round \(r) cannot be opened: round \(round) is \(closed ? "closed" : "open")")
        }
        // Checked (valid, finite) when the round that made it closed.
        let header = try latest.bytes.withUnsafeReadableBytes { try SafeTensors.header($0) }
        // Still served as round r − 1's result: the coordinator fetches it while round r runs.
        begin(round: r, body: latest.bytes, header: header, keepingLatestResult: true)
    }

    private func begin(round r: Int, body: ByteBuffer, header: SafeTensorsHeader, keepingLatestResult: Bool = false) {
        round = r
        global = body
        signature = ModelSignature(header)
        closed = false
        updates = [:]
        evaluations = [:]
        traffic = RoundTraffic()
        // A round opened with a model sent to it: the coordinator has the last result already.
        if !keepingLatestResult { latestResult = nil }
    }

    /// Refuses a caller that is not a participant of this run.
    public func mayRead(participant: String) throws {
        guard participants.contains(participant) else {
            throw Failure(status: 403, description: "\(participant) is not a participant of this run")
        }
    }

    public func globalModel(round r: Int) throws -> [UInt8] {
        Array(try globalBody(round: r).readableBytesView)
    }

    /// The open round's global model as stored (serving it copies nothing).
    public func globalBody(round r: Int) throws -> ByteBuffer {
        guard r == round, let global else { throw Failure(status: 404, description: "round \(r) is not open (current round \(round))") }
        return global
    }

    /// The most bytes an update of round `r` may have (its body is refused beyond that, before it
    /// is read); nil when the round does not take updates.
    public func updateLimit(round r: Int) -> Int? {
        guard r == round, !closed, let signature else { return nil }
        return signature.maxFileBytes()
    }

    /// Checks that `participant` may contribute to round `r` now: a participant of the run, the
    /// open round, nothing received from it yet.
    public func admit(round r: Int, participant: String) throws {
        guard participants.contains(participant) else {
            throw Failure(status: 403, description: "\(participant) is not a participant of this run")
        }
        guard r == round, global != nil else { throw Failure(status: 409, description: "round \(r) is not open (current round \(round))") }
        guard !closed else { throw Failure(status: 409, description: "round \(r) is closed") }
        guard updates[participant] == nil, evaluations[participant] == nil else {
            throw Failure(status: 409, description: Self.alreadyReceived(participant: participant, round: r))
        }
    }

    /// The refusal of a second contribution (an agent retried on another VM after its first
    /// attempt delivered knows from it that its update counts).
    public static func alreadyReceived(participant: String, round: Int) -> String {
        "round \(round) already has a contribution from \(participant); the first one stands"
    }

    /// An update for the open round, once per participant: exactly the global model's tensors
    /// (names, dtypes, shapes), finite values, a sample count in 1...maxTrainSamples and a valid
    /// evaluation. A refused update leaves the round as it was.
    public func submit(round r: Int, participant: String, weights: [UInt8], trainSamples: Int, evaluation: Evaluation) throws {
        try submit(round: r, participant: participant, body: ByteBuffer(bytes: weights), trainSamples: trainSamples, evaluation: evaluation)
    }

    /// `submit(round:participant:weights:…)` with the body as received (checked in place, kept
    /// without a copy).
    public func submit(round r: Int, participant: String, body: ByteBuffer, trainSamples: Int, evaluation: Evaluation) throws {
        try admit(round: r, participant: participant)
        guard (1...Self.maxTrainSamples).contains(trainSamples) else {
            throw Failure(status: 400, description: "the sample count \(trainSamples) is outside 1...\(Self.maxTrainSamples)")
        }
        try Self.check(evaluation)
        try checkClasses(evaluation)
        let signature = signature!
        let header: SafeTensorsHeader
        do { header = try body.withUnsafeReadableBytes { try ModelCheck.updateInPlace($0, matching: signature) } } catch {
            throw Failure(status: 422, description: "the update is refused: \(error)")
        }
        updates[participant] = Update(body: body, header: header, trainSamples: trainSamples)
        traffic.received(participant, bytes: body.readableBytes)
        evaluations[participant] = evaluation
    }

    /// Only an evaluation of the open round's global model (the pass after the last round).
    public func submitEvaluation(round r: Int, participant: String, evaluation: Evaluation) throws {
        try admit(round: r, participant: participant)
        try Self.check(evaluation)
        try checkClasses(evaluation)
        evaluations[participant] = evaluation
    }

    /// An evaluation the round can count: a square confusion matrix of at most maxClasses classes
    /// whose counts are in 0...maxTrainSamples and sum to the evaluated samples, the same number of
    /// classes as the round's other evaluations, a finite loss ≥ 0.
    static func check(_ e: Evaluation) throws {
        guard (1...maxClasses).contains(e.confusion.count), e.confusion.allSatisfy({ $0.count == e.confusion.count }) else {
            throw Failure(status: 400, description: "the evaluation's confusion matrix must be square with 1...\(maxClasses) classes")
        }
        guard e.confusion.allSatisfy({ $0.allSatisfy { (0...maxTrainSamples).contains($0) } }),
              (0...maxTrainSamples).contains(e.samples) else {
            throw Failure(status: 400, description: "the evaluation's counts must be in 0...\(maxTrainSamples)")
        }
        // Counts are bounded, so the sums below cannot overflow.
        do { try e.validate() } catch { throw Failure(status: 400, description: "the evaluation is refused: \(error)") }
    }

    func checkClasses(_ e: Evaluation) throws {
        if let other = evaluations.values.first, other.classCount != e.classCount {
            throw Failure(status: 400, description: "the evaluation has \(e.classCount) classes, the round's others have \(other.classCount)")
        }
    }

    public var received: [String] { Set(updates.keys).union(evaluations.keys).sorted() }

    /// FedAvg of the round's updates (weighted by training samples) and the metrics of the
    /// round's global model from the summed confusion matrices; refuses fewer than
    /// `minParticipants` contributions. With `aggregate` false only the evaluations count. Once
    /// closed, the round takes nothing more.
    public func close(round r: Int, minParticipants: Int, aggregate: Bool = true) throws -> RoundResult {
        if let done = results[r] { return done }
        guard r == round, let global else { throw Failure(status: 409, description: "round \(r) is not open (current round \(round))") }
        let names = (aggregate ? Array(updates.keys) : Array(evaluations.keys)).sorted()
        let minParticipants = max(1, minParticipants)
        guard names.count >= minParticipants else {
            throw Failure(status: 409, description: "round \(r) has \(names.count) \(aggregate ? "update" : "evaluation")\(names.count == 1 ? "" : "s"), fewer than minParticipants \(minParticipants)")
        }
        let start = Date()
        var bytes = global
        closed = true
        let trainSamples = names.reduce(0) { $0 + (updates[$1]?.trainSamples ?? 0) }
        if aggregate {
            let metadata = ["fedplane.round": "\(r)", "fedplane.participants": names.joined(separator: ",")]
            let chosen = names.map { updates[$0]! }
            // The updates are not needed once averaged: dropping them here keeps the peak at the
            // updates + the global model + the result.
            updates = [:]
            let out = try Self.combine(chosen, global: global, aggregation: aggregation, metadata: metadata)
            // Never hand out a model that cannot train on: the round fails, the run resumes from
            // the last good round.
            try out.withUnsafeReadableBytes { buffer in
                do { try ModelCheck.finiteInPlace(try SafeTensors.header(buffer), buffer) } catch {
                    throw Failure(status: 422, description: "round \(r) failed: FedAvg produced a model that is refused: \(error)")
                }
            }
            bytes = out
        }
        let seconds = Date().timeIntervalSince(start)
        let digest = aggregate ? bytes.withUnsafeReadableBytes { SHA256.hex($0) } : nil
        let evaluated = try? Evaluation.combined(names.compactMap { evaluations[$0] })
        let result = RoundResult(
            round: r, participants: names, trainSamples: trainSamples,
            evaluated: evaluated, accuracy: evaluated?.accuracy, precision: evaluated?.macroPrecision,
            recall: evaluated?.macroRecall, f1: evaluated?.macroF1, loss: evaluated?.loss, aggregationSeconds: seconds,
            traffic: traffic.rows, resultSHA256: digest)
        results[r] = result
        latestResult = (r, bytes, digest)
        return result
    }

    /// The safetensors bytes of the round's new global model. FedAvg (no rule) averages the
    /// received bytes in place into the output's bytes; a rule, or an update that cannot be read
    /// in place, goes through `ModelWeights` (the same values either way: FedAvg's fold is fixed).
    static func combine(_ chosen: [Update], global: ByteBuffer, aggregation: Aggregation?, metadata: [String: String]) throws -> ByteBuffer {
        if aggregation == nil {
            // Averaged straight into the buffer the result is served from.
            let inPlace: ByteBuffer? = try withReadableBytes(chosen.map(\.body)) { buffers in
                try FedAvg.averageSafetensors(zip(buffers, chosen).map { (buffer: $0, header: $1.header, samples: $1.trainSamples) },
                                              metadata: metadata) { size, write in
                    var out = ByteBufferAllocator().buffer(capacity: size)
                    try out.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
                        try write(UnsafeMutableRawBufferPointer(rebasing: raw[0..<size]))
                        return size
                    }
                    return out
                }
            }
            if let inPlace { return inPlace }
        }
        let decoded = try chosen.map { u in (weights: try u.body.withUnsafeReadableBytes { try SafeTensors.decode($0) }, samples: u.trainSamples) }
        let globalWeights = try global.withUnsafeReadableBytes { try SafeTensors.decode($0) }
        var out = try (aggregation ?? { updates, _ in try FedAvg.average(updates) })(decoded, globalWeights)
        out.metadata = metadata
        return ByteBuffer(bytes: try SafeTensors.encode(out))
    }

    /// Runs `body` with the readable bytes of every buffer at once (each pinned for the call).
    static func withReadableBytes<R>(_ buffers: [ByteBuffer], _ body: ([UnsafeRawBufferPointer]) throws -> R) throws -> R {
        var pinned: [UnsafeRawBufferPointer] = []
        pinned.reserveCapacity(buffers.count)
        func pin(_ i: Int) throws -> R {
            if i == buffers.count { return try body(pinned) }
            return try buffers[i].withUnsafeReadableBytes { raw in
                pinned.append(raw)
                return try pin(i + 1)
            }
        }
        return try pin(0)
    }

    public func result(round r: Int) throws -> [UInt8] {
        Array(try resultBody(round: r).readableBytesView)
    }

    /// The round's new global model as stored (serving it copies nothing).
    public func resultBody(round r: Int) throws -> ByteBuffer {
        guard let latest = latestResult, latest.round == r else {
            throw Failure(status: 404, description: results[r] == nil ? "round \(r) has no result yet" : "round \(r)'s result is no longer kept (a later round has opened)")
        }
        return latest.bytes
    }
}
