/// A multi-objective optimisation problem: every objective is minimised; a constraint is
/// satisfied when its violation is ≤ 0.
public protocol Problem {
    /// Bounds and kind of each decision variable.
    var variables: [Variable] { get }
    /// Number of objectives (≥ 1).
    var objectiveCount: Int { get }
    /// Number of constraints (≥ 0).
    var constraintCount: Int { get }
    /// Objective values and one violation per constraint (≤ 0 means satisfied).
    func evaluate(_ x: [Double]) -> (objectives: [Double], constraintViolations: [Double])
}

extension Problem {
    public var variableCount: Int { variables.count }
}

/// Deb's overall constraint violation: the sum of the positive parts.
public func totalViolation(_ violations: [Double]) -> Double {
    var sum = 0.0
    for v in violations where v > 0 { sum += v }
    return sum
}

/// A problem whose gene vectors have a canonical form (many vectors naming one solution, or a
/// vector needing fixing up). NSGA-II repairs every sampled and every new child's genes before
/// duplicate elimination and evaluation; problems without it run exactly as before.
public protocol RepairingProblem: Problem {
    func repair(_ x: inout [Double])
}
