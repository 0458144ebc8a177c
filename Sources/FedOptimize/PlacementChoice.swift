/// Picks one candidate from a Pareto front by weights.
///
/// Each objective is min–max normalised over the front's feasible members (an objective that
/// is the same for all of them normalises to 0), the weighted sums are compared, and the
/// smallest wins. Exact ties go to the lexicographically smaller objective vector, then to the
/// smaller candidate index, so the choice never depends on the order of `front`.
/// Returns nil when the front has no feasible member.
public func select(front: [Int], in candidates: [PlacementCandidate], weights: [Double]) -> Int? {
    let members = front.filter { candidates[$0].isFeasible }
    guard let first = members.first else { return nil }
    precondition(weights.count == candidates[first].objectives.count, "one weight per objective")
    precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite }, "weights must be finite and non-negative")
    let score = SelectionScore(front: members, in: candidates, weights: weights)
    return members.min { a, b in
        let (sa, sb) = (score(a), score(b))
        if sa != sb { return sa < sb }
        let (fa, fb) = (candidates[a].objectives, candidates[b].objectives)
        if fa != fb { return fa.lexicographicallyPrecedes(fb) }
        return a < b
    }
}

/// The weighted sum `select` ranks a candidate by: each objective min–max normalised over the
/// front it was made for (an objective equal for all of them counts 0), computed once per front.
public struct SelectionScore {
    let candidates: [PlacementCandidate]
    let weights: [Double]
    let low: [Double], high: [Double]

    public init(front: [Int], in candidates: [PlacementCandidate], weights: [Double]) {
        self.candidates = candidates
        self.weights = weights
        low = weights.indices.map { k in front.map { candidates[$0].objectives[k] }.min() ?? 0 }
        high = weights.indices.map { k in front.map { candidates[$0].objectives[k] }.max() ?? 0 }
    }

    public func callAsFunction(_ i: Int) -> Double {
        var sum = 0.0
        for k in weights.indices where high[k] > low[k] {
            sum += weights[k] * (candidates[i].objectives[k] - low[k]) / (high[k] - low[k])
        }
        return sum
    }
}

/// A constraint a candidate breaks, and by how much (its positive violation).
public struct ConstraintBreach: Sendable, Hashable {
    public var constraint: Int
    public var amount: Double

    public init(constraint: Int, amount: Double) {
        self.constraint = constraint
        self.amount = amount
    }
}

/// The candidate nearest to feasible, for "no candidate satisfies …; the closest is …".
public struct ClosestCandidate: Sendable, Hashable {
    public var index: Int
    public var totalViolation: Double
    /// Every constraint it breaks, in constraint order.
    public var breaches: [ConstraintBreach]
}

/// The infeasible candidate with the smallest total constraint violation (ties: smaller index),
/// with the constraints it breaks (never none). Nil when no candidate is infeasible: a caller
/// that asks while a feasible candidate exists gets no "closest" to report.
public func closestCandidate(_ candidates: [PlacementCandidate]) -> ClosestCandidate? {
    guard let best = candidates.indices.filter({ !candidates[$0].isFeasible }).min(by: { a, b in
        (candidates[a].totalViolation, a) < (candidates[b].totalViolation, b)
    }) else { return nil }
    let breaches = candidates[best].constraintViolations.enumerated()
        .filter { $0.element > 0 }
        .map { ConstraintBreach(constraint: $0.offset, amount: $0.element) }
    return ClosestCandidate(index: best, totalViolation: candidates[best].totalViolation, breaches: breaches)
}
