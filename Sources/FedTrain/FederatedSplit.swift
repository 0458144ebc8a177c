import Foundation

/// How a data set is dealt out to the participants of a simulated federation, and how each
/// participant splits its share into training and validation. Deterministic: the same data set,
/// settings and seed give the same split on every machine, so the runtime can ask for
/// "participant 2 of 3, seed 7" in any process without coordination.
///
/// **Non-IID (label skew).** For each class separately, its samples are shuffled and dealt out in
/// proportions drawn from a symmetric Dirichlet(α) over the participants (the scheme of Hsu, Qi and
/// Brown 2019, "Measuring the effects of non-identical data distribution…"). α = 0.5 (the default)
/// gives clearly different label mixes; large α approaches IID, small α gives near single-class
/// participants. A draw that leaves any participant with fewer than `minimumSamples` samples is
/// redrawn (the next draw of the same generator), up to `maxAttempts` times.
///
/// **Train/validation.** Each participant then holds out `validationFraction` (default 0.2) of its
/// samples, stratified by class: round(fraction × its count of the class) of each class (halves
/// round up), but never a class's last training sample, and at least one validation sample in all
/// (taken from its largest class). A class a participant has only one sample of stays in training.
///
/// **Scaling.** See `FeatureScaling`; fitted on the participant's own training split only.
public struct FederatedSplit: Sendable, Equatable {
    public var participants: Int
    public var seed: UInt64
    /// The Dirichlet concentration (α > 0).
    public var alpha: Double
    /// Fewest samples (training + validation) any participant may get.
    public var minimumSamples: Int
    public var validationFraction: Double
    public var scaling: FeatureScaling
    public var maxAttempts: Int

    public static let defaultAlpha = 0.5
    public static let defaultMinimumSamples = 20
    public static let defaultValidationFraction = 0.2

    public init(participants: Int, seed: UInt64, alpha: Double = FederatedSplit.defaultAlpha,
                minimumSamples: Int = FederatedSplit.defaultMinimumSamples,
                validationFraction: Double = FederatedSplit.defaultValidationFraction,
                scaling: FeatureScaling = .referenceRange, maxAttempts: Int = 1000) {
        self.participants = participants
        self.seed = seed
        self.alpha = alpha
        self.minimumSamples = minimumSamples
        self.validationFraction = validationFraction
        self.scaling = scaling
        self.maxAttempts = maxAttempts
    }

    /// One participant holding everything: a plain stratified train/validation split (for
    /// centralised baselines).
    public static func centralised(seed: UInt64, validationFraction: Double = FederatedSplit.defaultValidationFraction,
                                   scaling: FeatureScaling = .referenceRange) -> FederatedSplit {
        FederatedSplit(participants: 1, seed: seed, minimumSamples: 2, validationFraction: validationFraction, scaling: scaling)
    }

    /// Rows of `dataset` (indices, ascending) that each participant holds, before its
    /// train/validation split. Disjoint, and together every row.
    public func assignments(of dataset: Dataset) throws -> [[Int]] {
        try validate(dataset)
        var rng = SeededGenerator(seed: SeededGenerator.derive(seed, 0x5EED_0001))
        var byClass = [[Int]](repeating: [], count: dataset.classCount)
        for (i, y) in dataset.labels.enumerated() { byClass[y].append(i) }
        for _ in 0..<maxAttempts {
            var shares = [[Int]](repeating: [], count: participants)
            for var members in byClass {
                rng.shuffle(&members)
                let p = participants == 1 ? [1.0] : rng.nextDirichlet(alpha: alpha, count: participants)
                // Cut points at floor(cumulative proportion × n); the last participant takes the rest.
                var start = 0, cumulative = 0.0
                for k in 0..<participants {
                    cumulative += p[k]
                    let end = k == participants - 1 ? members.count
                        : min(members.count, max(start, Int((cumulative * Double(members.count)).rounded(.down))))
                    shares[k].append(contentsOf: members[start..<end])
                    start = end
                }
            }
            if shares.allSatisfy({ $0.count >= minimumSamples }) {
                return shares.map { $0.sorted() }
            }
        }
        throw SplitError.cannotSatisfyMinimum(participants: participants, minimumSamples: minimumSamples,
                                              alpha: alpha, attempts: maxAttempts)
    }

    /// Participant `index` (0-based, `0..<participants`): its rows, its train/validation split,
    /// both scaled.
    public func participant(_ index: Int, of dataset: Dataset = .wdbc) throws -> ParticipantData {
        guard (0..<participants).contains(index) else { throw SplitError.noSuchParticipant(index, participants: participants) }
        let rows = try assignments(of: dataset)[index]
        return try makeParticipant(index, rows: rows, of: dataset)
    }

    /// All participants, in index order.
    public func allParticipants(of dataset: Dataset = .wdbc) throws -> [ParticipantData] {
        let shares = try assignments(of: dataset)
        return try shares.indices.map { try makeParticipant($0, rows: shares[$0], of: dataset) }
    }

    private func makeParticipant(_ index: Int, rows: [Int], of dataset: Dataset) throws -> ParticipantData {
        var rng = SeededGenerator(seed: SeededGenerator.derive(seed, 0x5EED_0002, index))
        var byClass = [[Int]](repeating: [], count: dataset.classCount)
        for i in rows { byClass[dataset.labels[i]].append(i) }
        var holdOut = byClass.map { members -> Int in
            members.count < 2 ? 0 : min(members.count - 1, Int((validationFraction * Double(members.count)).rounded()))
        }
        if holdOut.reduce(0, +) == 0, rows.count >= 2,
           let largest = byClass.indices.max(by: { byClass[$0].count < byClass[$1].count }) {
            holdOut[largest] = 1
        }
        var train = [Int](), validation = [Int]()
        for c in byClass.indices {
            var members = byClass[c]
            rng.shuffle(&members)
            validation += members.prefix(holdOut[c])
            train += members.dropFirst(holdOut[c])
        }
        train.sort()
        validation.sort()
        guard !train.isEmpty, !validation.isEmpty else {
            throw SplitError.tooFewSamples(participant: index, samples: rows.count)
        }
        let rawTrain = dataset.subset(train)
        let transform = try FeatureTransform.fit(scaling, on: rawTrain)
        return ParticipantData(index: index, participants: participants, trainIndices: train, validationIndices: validation,
                               train: transform.apply(to: rawTrain), validation: transform.apply(to: dataset.subset(validation)),
                               transform: transform)
    }

    private func validate(_ dataset: Dataset) throws {
        guard participants >= 1 else { throw SplitError.invalid("participants must be at least 1, not \(participants)") }
        guard alpha > 0, alpha.isFinite else { throw SplitError.invalid("alpha must be a positive number, not \(alpha)") }
        guard validationFraction > 0, validationFraction < 1 else {
            throw SplitError.invalid("validationFraction must be in (0, 1), not \(validationFraction)")
        }
        guard minimumSamples >= 2 else { throw SplitError.invalid("minimumSamples must be at least 2 (one to train, one to validate)") }
        guard maxAttempts >= 1 else { throw SplitError.invalid("maxAttempts must be at least 1") }
        guard participants * minimumSamples <= dataset.count else {
            throw SplitError.cannotSatisfyMinimum(participants: participants, minimumSamples: minimumSamples,
                                                  alpha: alpha, attempts: 0)
        }
    }
}

/// One participant's share of a federated split, scaled.
public struct ParticipantData: Sendable, Equatable {
    /// 0-based.
    public let index: Int
    public let participants: Int
    /// Rows of the source data set (ascending), disjoint from `validationIndices`.
    public let trainIndices: [Int]
    public let validationIndices: [Int]
    public let train: Dataset
    public let validation: Dataset
    /// The scaling fitted for this participant (already applied to `train` and `validation`).
    public let transform: FeatureTransform

    public var sampleCount: Int { trainIndices.count + validationIndices.count }

    /// Samples per class over train and validation.
    public var classCounts: [Int] { zip(train.classCounts, validation.classCounts).map { $0 + $1 } }

    public static let trainFileName = "train.csv"
    public static let validationFileName = "validation.csv"

    /// Writes `train.csv` and `validation.csv` (format: `Dataset.csvText()`) into `directory`,
    /// creating it; this is the `FEDPLANE_DATA_DIR` an external trainer reads.
    public func writeCSVFiles(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(train.csvText().utf8).write(to: directory.appendingPathComponent(Self.trainFileName), options: .atomic)
        try Data(validation.csvText().utf8).write(to: directory.appendingPathComponent(Self.validationFileName), options: .atomic)
    }
}

public enum SplitError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case noSuchParticipant(Int, participants: Int)
    case cannotSatisfyMinimum(participants: Int, minimumSamples: Int, alpha: Double, attempts: Int)
    case tooFewSamples(participant: Int, samples: Int)

    public var description: String {
        switch self {
        case .invalid(let m): return "federated split: \(m)"
        case .noSuchParticipant(let i, let n): return "federated split: no participant \(i) among \(n) (indices start at 0)"
        case .cannotSatisfyMinimum(let n, let m, let a, let tries):
            return tries == 0
                ? "federated split: \(n) participants × at least \(m) samples need more samples than the data set has"
                : "federated split: no Dirichlet(\(a)) draw in \(tries) gave each of \(n) participants at least \(m) samples; raise alpha or lower the minimum"
        case .tooFewSamples(let i, let s): return "federated split: participant \(i) has \(s) samples, too few for a train and a validation split"
        }
    }
}
