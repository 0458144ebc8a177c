/// Fronts under Deb's constrained domination: the feasible points' Pareto fronts first, then
/// the infeasible points by ascending total violation (equal totals share a front), which is
/// exactly what `constrainedDominance` induces.
public func constrainedNonDominatedSort(
    _ objectives: [[Double]], totalViolations: [Double], stoppingAfter limit: Int? = nil
) -> [[Int]] {
    constrainedNonDominatedSort(
        ObjectiveMatrix(objectives), totalViolations: totalViolations, stoppingAfter: limit ?? objectives.count)
}

func constrainedNonDominatedSort(
    _ objectives: ObjectiveMatrix, totalViolations: [Double], stoppingAfter limit: Int,
    lexicographicFronts: Bool = false
) -> [[Int]] {
    precondition(objectives.rowCount == totalViolations.count, "one violation per point")
    let feasible = totalViolations.indices.filter { totalViolations[$0] <= 0 }
    var fronts = efficientNonDominatedSort(
        objectives, rows: feasible, stoppingAfter: limit, lexicographicFronts: lexicographicFronts)
    var ranked = feasible.count
    guard ranked < limit && feasible.count < totalViolations.count else { return fronts }
    let infeasible = totalViolations.indices
        .filter { totalViolations[$0] > 0 }
        .sorted { (totalViolations[$0], $0) < (totalViolations[$1], $1) }
    var start = 0
    while start < infeasible.count && ranked < limit {
        var end = start + 1
        while end < infeasible.count && totalViolations[infeasible[end]] == totalViolations[infeasible[start]] {
            end += 1
        }
        fronts.append(Array(infeasible[start..<end]))
        ranked += end - start
        start = end
    }
    return fronts
}
