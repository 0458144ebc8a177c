import FedRandom

/// Chooses who lives on from parents plus offspring.
public protocol Survival: Sendable {
    /// Returns min(`count`, population.count) survivors with `rank` and `crowding` set.
    /// The population is consumed, so survivors can be moved out rather than copied.
    func survive(_ population: consuming [Individual], count: Int, using rng: inout SplitMix64) -> [Individual]
}

/// NSGA-II's elitist (μ+λ) survival: whole fronts in rank order (Deb's constrained
/// domination, so feasible before infeasible and less violation before more) until one no
/// longer fits; only that splitting front is cut, keeping its largest crowding distances and
/// settling equal distances at random, as pymoo's `RankAndCrowding` does.
public struct RankAndCrowdingSurvival: Survival {
    public init() {}

    public func survive(_ population: consuming [Individual], count: Int, using rng: inout SplitMix64) -> [Individual] {
        let target = min(count, population.count)
        guard target > 0 else { return [] }
        let objectives = ObjectiveMatrix(copy population)   // `copy`: one retain of the buffer
        let fronts = constrainedNonDominatedSort(
            objectives, totalViolations: population.map(\.totalViolation), stoppingAfter: target,
            lexicographicFronts: true)
        var survivors: [Individual] = []
        survivors.reserveCapacity(target)
        for (rank, front) in fronts.enumerated() where survivors.count < target {
            let crowding = crowdingDistance(objectives, rows: front)
            var kept = Array(front.indices)
            let room = target - survivors.count
            if front.count > room {
                // Most isolated first; shuffling before the stable sort orders equal
                // distances at random.
                rng.shuffle(&kept)
                kept.sort { crowding[$0] > crowding[$1] }
                kept.removeSubrange(room...)
            }
            for j in kept {
                // Move out, leaving an allocation-free stand-in: no reference counting.
                var survivor = Individual.placeholder
                swap(&survivor, &population[front[j]])
                survivor.rank = rank
                survivor.crowding = crowding[j]
                survivors.append(survivor)
            }
        }
        return survivors
    }
}
