/// The exact Pareto front of a candidate table by enumeration: indices (ascending) of the
/// feasible candidates that no other feasible candidate dominates. Candidates with equal
/// objective vectors are all kept, since neither dominates the other.
///
/// Two objectives (cost and latency, the placement's case) take one sort and a sweep,
/// O(n log n); more objectives fall back to the first front of a non-dominated sort.
public func exhaustiveParetoFront(_ candidates: [PlacementCandidate]) -> [Int] {
    let feasible = candidates.indices.filter { candidates[$0].isFeasible }
    guard let first = feasible.first else { return [] }
    guard candidates[first].objectives.count == 2 else {
        let front = fastNonDominatedSort(feasible.map { candidates[$0].objectives }, stoppingAfter: 1)[0]
        return front.map { feasible[$0] }.sorted()
    }
    // Sorted by the first objective, then the second: a group sharing the first objective is on
    // the front through its members with the group's smallest second objective, if that is
    // strictly below every earlier group's (an earlier point has a smaller first objective).
    let order = feasible.sorted {
        (candidates[$0].objectives[0], candidates[$0].objectives[1], $0) < (candidates[$1].objectives[0], candidates[$1].objectives[1], $1)
    }
    var front: [Int] = []
    var bestSecond = Double.infinity
    var start = 0
    while start < order.count {
        let f0 = candidates[order[start]].objectives[0]
        var end = start
        while end < order.count && candidates[order[end]].objectives[0] == f0 { end += 1 }
        let groupBest = candidates[order[start]].objectives[1]
        if groupBest < bestSecond {
            for i in order[start..<end] where candidates[i].objectives[1] == groupBest { front.append(i) }
            bestSecond = groupBest
        }
        start = end
    }
    return front.sorted()
}

/// How a search's front compares with the exact one, counted in distinct objective vectors
/// ("points"), so candidates that tie exactly count once.
public struct FrontAgreement: Sendable, Hashable {
    /// Points on the exact front.
    public var exactPoints: Int
    /// Exact-front points the search's front holds.
    public var foundPoints: Int
    /// Points of the search's front that are not on the exact front (dominated ones).
    public var extraPoints: Int

    public init(exactPoints: Int, foundPoints: Int, extraPoints: Int) {
        self.exactPoints = exactPoints
        self.foundPoints = foundPoints
        self.extraPoints = extraPoints
    }

    /// Compares `found` (a search's front) with `exact` (`exhaustiveParetoFront`), both as
    /// indices into `candidates`.
    public init(found: [Int], exact: [Int], in candidates: [PlacementCandidate]) {
        let exactSet = Set(exact.map { candidates[$0].objectives })
        let foundSet = Set(found.filter { candidates[$0].isFeasible }.map { candidates[$0].objectives })
        self.init(exactPoints: exactSet.count, foundPoints: foundSet.intersection(exactSet).count,
                  extraPoints: foundSet.subtracting(exactSet).count)
    }

    /// The search found every point of the exact front and nothing else.
    public var isExact: Bool { foundPoints == exactPoints && extraPoints == 0 }
}

extension PlacementProblem {
    /// Runs `optimizer` on the table and returns the candidate indices (ascending, each once)
    /// of the feasible non-dominated set it ends with. That equals `exhaustiveParetoFront`
    /// once the search has met every front member and the population can hold them all (a
    /// front larger than `populationSize` is thinned by crowding); the tests check equality on
    /// generated tables of a few hundred candidates with fronts of up to ~35. A small budget
    /// can end with no feasible member at all: the result is then empty.
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
