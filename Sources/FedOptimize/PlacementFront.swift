/// The exact Pareto front of a candidate table by enumeration: indices (ascending) of the
/// feasible candidates that no other feasible candidate dominates. Candidates with equal
/// objective vectors are all kept, since neither dominates the other.
public func exhaustiveParetoFront(_ candidates: [PlacementCandidate]) -> [Int] {
    let feasible = candidates.indices.filter { candidates[$0].isFeasible }
    guard !feasible.isEmpty else { return [] }
    let front = fastNonDominatedSort(feasible.map { candidates[$0].objectives }, stoppingAfter: 1)[0]
    return front.map { feasible[$0] }.sorted()
}

extension PlacementProblem {
    /// Runs `optimizer` on the table and returns the candidate indices (ascending, each once)
    /// of the feasible non-dominated set it ends with. That equals `exhaustiveParetoFront`
    /// once the search has met every front member and the population can hold them all (a
    /// front larger than `populationSize` is thinned by crowding); the tests check equality on
    /// generated tables of a few hundred candidates with fronts of up to ~35.
    public func optimizedParetoFront(using optimizer: NSGA2) -> [Int] {
        paretoFront(of: optimizer.run(self))
    }

    /// Candidate indices (ascending, each once) of a run's feasible non-dominated set.
    public func paretoFront(of result: OptimizationResult) -> [Int] {
        // A feasible individual always names a real candidate: missing combinations violate
        // the "exists" constraint.
        Array(Set(result.paretoSet.compactMap { candidateIndex(for: $0.x) })).sorted()
    }
}
