/// How two solutions relate under (constrained) Pareto dominance.
public enum Dominance: Sendable, Hashable {
    case firstDominates
    case secondDominates
    /// Equal, or each better in some objective.
    case neither
}

/// Pareto dominance for minimisation: `a` dominates `b` when it is no worse in every
/// objective and better in at least one.
public func paretoDominance(_ a: [Double], _ b: [Double]) -> Dominance {
    precondition(a.count == b.count, "objective vectors differ in length")
    var aBetter = false
    var bBetter = false
    for k in a.indices {
        if a[k] < b[k] {
            aBetter = true
        } else if b[k] < a[k] {
            bBetter = true
        }
        if aBetter && bBetter { return .neither }
    }
    if aBetter { return .firstDominates }
    if bBetter { return .secondDominates }
    return .neither
}

/// Deb's constrained domination (Deb et al. 2002, §IV): a feasible solution beats an
/// infeasible one; of two infeasible ones the smaller total violation wins; two feasible
/// ones compare by Pareto dominance. `violationA`/`violationB` are totals (see
/// `totalViolation`), so anything ≤ 0 counts as feasible.
public func constrainedDominance(
    _ a: [Double], violation violationA: Double,
    _ b: [Double], violation violationB: Double
) -> Dominance {
    let aFeasible = violationA <= 0
    let bFeasible = violationB <= 0
    switch (aFeasible, bFeasible) {
    case (true, true):
        return paretoDominance(a, b)
    case (true, false):
        return .firstDominates
    case (false, true):
        return .secondDominates
    case (false, false):
        if violationA < violationB { return .firstDominates }
        if violationB < violationA { return .secondDominates }
        return .neither
    }
}
