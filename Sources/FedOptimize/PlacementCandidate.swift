/// One option a placement can take, with everything the caller already computed about it.
///
/// The optimiser knows nothing of clouds: `coordinates` just say where the option sits along
/// each axis of the search space (e.g. cloud, region and instance-type indices), and the
/// caller supplies the objective values (all minimised) and constraint violations (≤ 0 means
/// satisfied). A flat table works too: give each candidate the single coordinate `[index]`.
public struct PlacementCandidate: Sendable, Hashable {
    public var coordinates: [Int]
    public var objectives: [Double]
    public var constraintViolations: [Double]

    public init(coordinates: [Int], objectives: [Double], constraintViolations: [Double] = []) {
        self.coordinates = coordinates
        self.objectives = objectives
        self.constraintViolations = constraintViolations
    }

    /// Deb's total violation: the sum of the positive parts.
    public var totalViolation: Double { FedOptimize.totalViolation(constraintViolations) }

    public var isFeasible: Bool { totalViolation <= 0 }
}

/// Why a candidate table cannot be searched.
public enum PlacementError: Error, Sendable, Hashable, CustomStringConvertible {
    case noCandidates
    /// Candidate `index` has a different number of coordinates, objectives or constraints
    /// than candidate 0.
    case inconsistentShape(index: Int)
    /// Two candidates sit at the same coordinates, so a gene vector could not name one.
    case duplicateCoordinates(first: Int, second: Int)
    case nonFiniteValue(index: Int)

    public var description: String {
        switch self {
        case .noCandidates:
            return "no placement candidates"
        case .inconsistentShape(let index):
            return "candidate \(index) has a different number of coordinates, objectives or constraints than candidate 0"
        case .duplicateCoordinates(let first, let second):
            return "candidates \(first) and \(second) have the same coordinates"
        case .nonFiniteValue(let index):
            return "candidate \(index) has a non-finite objective or constraint value"
        }
    }
}
