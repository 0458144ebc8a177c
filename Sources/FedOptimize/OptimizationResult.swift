/// What an NSGA-II run ends with.
public struct OptimizationResult: Sendable {
    /// The final population, ranked by the last survival (X, F, CV, rank, crowding).
    public var population: [Individual]
    /// Its feasible non-dominated members: the approximated Pareto set. Empty when nothing
    /// feasible was found.
    public var paretoSet: [Individual]
    /// Generations actually run (fewer than asked when a small discrete space ran dry).
    public var generations: Int
    /// Objective evaluations made.
    public var evaluations: Int

    public init(population: [Individual], generations: Int, evaluations: Int) {
        self.population = population
        // Sorted afresh rather than read from `rank`, so it holds for any Survival.
        let feasible = population.filter(\.isFeasible)
        let front = fastNonDominatedSort(feasible.map(\.objectives), stoppingAfter: 1).first ?? []
        self.paretoSet = front.map { feasible[$0] }
        self.generations = generations
        self.evaluations = evaluations
    }
}
