import FedRandom

/// NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002). This type only wires the parts together;
/// each step is a replaceable operator with pymoo 0.6's defaults: uniform sampling, crowded
/// binary tournament, SBX (p 0.9, η 15), polynomial mutation (1/n, η 20), rank-and-crowding
/// survival and duplicate elimination. Generation g makes `offspringCount` children from the
/// current population, and survival keeps the best `populationSize` of parents plus children.
///
/// A run is a pure function of the problem and these settings: all randomness comes from one
/// `SplitMix64` seeded with `seed`, the operators use only portable arithmetic, and nothing
/// depends on hashing seeds or Set/Dictionary order. (A problem's own `evaluate` may of
/// course call libm, whose last bits can differ between platforms.)
public struct NSGA2: Sendable {
    public var populationSize: Int
    public var generations: Int
    /// Children made per generation; `nil` means `populationSize` (pymoo's default).
    public var offspringCount: Int?
    public var seed: UInt64
    public var sampling: any Sampling
    public var selection: any Selection
    public var crossover: any Crossover
    public var mutation: any Mutation
    public var survival: any Survival
    /// Drop children whose genes equal a parent's or an earlier child's and mate again (as
    /// pymoo's default duplicate elimination); essential on small discrete spaces.
    public var eliminatesDuplicates: Bool
    /// Mating rounds per generation before giving up on filling the offspring quota.
    public var maxMatingRounds: Int

    public init(
        populationSize: Int = 100,
        generations: Int = 250,
        offspringCount: Int? = nil,
        seed: UInt64 = 1,
        sampling: any Sampling = UniformSampling(),
        selection: any Selection = CrowdedTournament(),
        crossover: any Crossover = SBX(),
        mutation: any Mutation = PolynomialMutation(),
        survival: any Survival = RankAndCrowdingSurvival(),
        eliminatesDuplicates: Bool = true,
        maxMatingRounds: Int = 100
    ) {
        precondition(populationSize >= 1, "population size must be positive")
        precondition(generations >= 0, "generations must not be negative")
        self.populationSize = populationSize
        self.generations = generations
        self.offspringCount = offspringCount
        self.seed = seed
        self.sampling = sampling
        self.selection = selection
        self.crossover = crossover
        self.mutation = mutation
        self.survival = survival
        self.eliminatesDuplicates = eliminatesDuplicates
        self.maxMatingRounds = maxMatingRounds
    }

    public func run(_ problem: some Problem) -> OptimizationResult {
        var rng = SplitMix64(seed: seed)
        var starts = sampling.sample(problem.variables, count: populationSize, using: &rng)
        if let repairing = problem as? any RepairingProblem {
            for i in starts.indices { repairing.repair(&starts[i]) }
        }
        if eliminatesDuplicates {
            var seen = GeneSet(minimumCapacity: starts.count)
            starts = starts.filter { seen.insert($0) }
        }
        var evaluations = starts.count
        // Surviving the initial sample ranks it for the first tournaments.
        var population = survival.survive(
            starts.map { problem.individual($0) }, count: populationSize, using: &rng)
        var completed = 0
        while completed < generations {
            let children = offspring(of: population, for: problem, using: &rng)
            // Nothing new can be made: a small discrete space is exhausted, so stop (as pymoo).
            if children.isEmpty { break }
            evaluations += children.count
            population.append(contentsOf: children)
            population = survival.survive(consume population, count: populationSize, using: &rng)
            completed += 1
        }
        return OptimizationResult(population: population, generations: completed, evaluations: evaluations)
    }

    /// Selection, crossover and mutation until the offspring quota is met or mating keeps
    /// producing only duplicates.
    func offspring(of population: [Individual], for problem: some Problem, using rng: inout SplitMix64) -> [Individual] {
        let variables = problem.variables
        let repairing = problem as? any RepairingProblem
        let quota = offspringCount ?? populationSize
        var known = GeneSet(minimumCapacity: eliminatesDuplicates ? population.count + quota : 0)
        if eliminatesDuplicates { for member in population { _ = known.insert(member.x, hash: member.geneHash) } }
        var children: [Individual] = []
        children.reserveCapacity(quota)
        var rounds = 0
        while children.count < quota && rounds < maxMatingRounds {
            rounds += 1
            let matings = (quota - children.count + 1) / 2
            let parents = selection.select(population, count: 2 * matings, using: &rng)
            var genes: [[Double]] = []
            genes.reserveCapacity(2 * matings)
            for m in 0..<matings {
                var (a, b) = crossover.cross(
                    population[parents[2 * m]].x, population[parents[2 * m + 1]].x,
                    variables: variables, using: &rng)
                mutation.mutate(&a, variables: variables, using: &rng)
                mutation.mutate(&b, variables: variables, using: &rng)
                if let repairing {
                    repairing.repair(&a)
                    repairing.repair(&b)
                }
                genes.append(a)
                genes.append(b)
            }
            for x in genes where children.count < quota {
                let hash = GeneSet.hash(x)
                if eliminatesDuplicates && !known.insert(x, hash: hash) { continue }
                children.append(problem.individual(x, geneHash: hash))
            }
        }
        return children
    }
}
