/// A table of placement candidates as an optimisation problem.
///
/// Each coordinate axis becomes one categorical gene over the distinct values seen on that
/// axis (categorical because index order, say of regions, means nothing). Gene vectors whose
/// combination is not in the table (an instance type missing from a region) are infeasible:
/// they violate one extra constraint, "the combination exists", by more than any real
/// candidate's total violation, so every real candidate beats them.
public struct PlacementProblem: Problem, Sendable {
    public let candidates: [PlacementCandidate]
    public let variables: [Variable]
    public let objectiveCount: Int
    /// The candidates' own constraints plus the trailing "combination exists" constraint.
    public let constraintCount: Int
    /// Sorted distinct values per axis; gene value i on axis a means `axisValues[a][i]`.
    public let axisValues: [[Int]]
    /// Violation charged to a missing combination.
    public let missingViolation: Double
    private let lookup: CandidateLookup
    private let violationsWithExistence: [[Double]]   // each candidate's, plus 0 for "exists"
    private let missing: (objectives: [Double], violations: [Double])

    public init(candidates: [PlacementCandidate]) throws {
        guard let first = candidates.first else { throw PlacementError.noCandidates }
        for (i, c) in candidates.enumerated() {
            guard c.coordinates.count == first.coordinates.count, c.objectives.count == first.objectives.count,
                  c.constraintViolations.count == first.constraintViolations.count
            else { throw PlacementError.inconsistentShape(index: i) }
            guard (c.objectives + c.constraintViolations).allSatisfy(\.isFinite)
            else { throw PlacementError.nonFiniteValue(index: i) }
        }
        precondition(!first.objectives.isEmpty, "candidates need at least one objective")
        let axisValues = (0..<first.coordinates.count).map { a in
            Array(Set(candidates.map { $0.coordinates[a] })).sorted()
        }
        self.candidates = candidates
        self.axisValues = axisValues
        self.lookup = try CandidateLookup(candidates.map(\.coordinates), axisValues: axisValues)
        self.objectiveCount = first.objectives.count
        self.constraintCount = first.constraintViolations.count + 1
        self.variables = axisValues.map { Variable.categorical($0.count) }
        self.missingViolation = 2 * (candidates.map(\.totalViolation).max() ?? 0) + 1
        // A missing combination looks like the worst table entry in every objective, so it
        // never stretches the crowding distances of real candidates.
        let worst = (0..<first.objectives.count).map { k in candidates.map { $0.objectives[k] }.max()! }
        self.missing = (worst, [Double](repeating: 0, count: first.constraintViolations.count) + [missingViolation])
        self.violationsWithExistence = candidates.map { $0.constraintViolations + [0] }
    }

    /// The coordinates a gene vector names.
    public func coordinates(for x: [Double]) -> [Int] {
        zip(axisValues, x).map { values, gene in values[Int(gene)] }
    }

    /// The candidate a gene vector names, or nil for a combination not in the table.
    public func candidateIndex(for x: [Double]) -> Int? {
        lookup.candidate(at: x)
    }

    /// The gene vector naming candidate `i`.
    public func genes(of i: Int) -> [Double] {
        zip(axisValues, candidates[i].coordinates).map { values, c in
            Double(values.firstIndex(of: c)!)
        }
    }

    public func evaluate(_ x: [Double]) -> (objectives: [Double], constraintViolations: [Double]) {
        guard let i = candidateIndex(for: x) else { return (missing.objectives, missing.violations) }
        return (candidates[i].objectives, violationsWithExistence[i])
    }
}
