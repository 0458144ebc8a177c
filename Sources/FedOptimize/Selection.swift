import FedRandom

/// Picks mating parents from a ranked population.
public protocol Selection: Sendable {
    /// Returns `count` indices into `population` (consecutive pairs mate).
    func select(_ population: [Individual], count: Int, using rng: inout SplitMix64) -> [Int]
}

/// NSGA-II's crowded binary tournament (pymoo's `binary_tournament`).
///
/// Competitors are drawn from concatenated random permutations, as pymoo's
/// `TournamentSelection` does, so every individual enters about equally many tournaments.
/// A tournament is decided by, in order: the smaller total constraint violation when either
/// is infeasible; the better rank (or, with `.dominance`, Pareto dominance, pymoo's default
/// `comp_by_dom_and_crowding`); the larger crowding distance; and a coin flip on ties.
public struct CrowdedTournament: Selection {
    public enum Criterion: Sendable, Hashable {
        /// Deb's crowded-comparison operator: rank, then crowding.
        case rank
        /// pymoo's default: Pareto dominance, then crowding.
        case dominance
    }

    public var criterion: Criterion

    public init(criterion: Criterion = .rank) {
        self.criterion = criterion
    }

    public func select(_ population: [Individual], count: Int, using rng: inout SplitMix64) -> [Int] {
        precondition(!population.isEmpty, "cannot select from an empty population")
        var competitors: [Int] = []
        competitors.reserveCapacity(2 * count + population.count)
        while competitors.count < 2 * count {
            competitors += rng.permutation(population.count)
        }
        return (0..<count).map { t in
            winner(competitors[2 * t], competitors[2 * t + 1], in: population, using: &rng)
        }
    }

    func winner(_ a: Int, _ b: Int, in population: [Individual], using rng: inout SplitMix64) -> Int {
        // Fields are read in place: copying whole individuals would retain their arrays.
        let (violationA, violationB) = (population[a].totalViolation, population[b].totalViolation)
        if violationA > 0 || violationB > 0 {
            if violationA != violationB { return violationA < violationB ? a : b }
            return coinFlip(a, b, using: &rng)
        }
        switch criterion {
        case .rank:
            let (rankA, rankB) = (population[a].rank, population[b].rank)
            if rankA != rankB { return rankA < rankB ? a : b }
        case .dominance:
            switch paretoDominance(population[a].objectives, population[b].objectives) {
            case .firstDominates: return a
            case .secondDominates: return b
            case .neither: break
            }
        }
        let (crowdingA, crowdingB) = (population[a].crowding, population[b].crowding)
        if crowdingA != crowdingB { return crowdingA > crowdingB ? a : b }
        return coinFlip(a, b, using: &rng)
    }

    private func coinFlip(_ a: Int, _ b: Int, using rng: inout SplitMix64) -> Int {
        rng.nextUnit() < 0.5 ? a : b
    }
}
