import FedRandom
import Testing
@testable import FedOptimize

@Suite struct SelectionAndSurvivalTests {
    static func individual(_ f: [Double], violation: Double = 0, rank: Int = 0, crowding: Double = 0) -> Individual {
        var i = Individual(x: f, objectives: f, constraintViolations: [violation])
        i.rank = rank
        i.crowding = crowding
        return i
    }

    @Test func tournamentOrderIsViolationThenRankThenCrowding() {
        var rng = SplitMix64(seed: 1)
        let t = CrowdedTournament()
        let population = [
            Self.individual([0, 0], violation: 2),                 // 0: infeasible, worse
            Self.individual([9, 9], violation: 1),                 // 1: infeasible, better
            Self.individual([5, 5], rank: 3, crowding: .infinity), // 2: feasible, poor rank
            Self.individual([4, 4], rank: 1, crowding: 0.1),       // 3
            Self.individual([3, 6], rank: 1, crowding: 0.7),       // 4
        ]
        #expect(t.winner(0, 1, in: population, using: &rng) == 1)
        #expect(t.winner(1, 2, in: population, using: &rng) == 2)
        #expect(t.winner(2, 3, in: population, using: &rng) == 3)
        #expect(t.winner(3, 4, in: population, using: &rng) == 4)
        #expect(t.winner(4, 3, in: population, using: &rng) == 4)
    }

    @Test func exactTiesAreSettledByACoin() {
        var rng = SplitMix64(seed: 2)
        let population = [Self.individual([1, 2], rank: 0, crowding: 1), Self.individual([2, 1], rank: 0, crowding: 1)]
        let wins = (0..<400).map { _ in CrowdedTournament().winner(0, 1, in: population, using: &rng) }
        let firstWins = wins.filter { $0 == 0 }.count
        #expect(firstWins > 150 && firstWins < 250)
    }

    @Test func dominanceCriterionLooksAtObjectivesNotRank() {
        var rng = SplitMix64(seed: 3)
        // Ranks deliberately disagree with the objectives here.
        let population = [Self.individual([1, 1], rank: 5, crowding: 0), Self.individual([2, 2], rank: 0, crowding: 9)]
        #expect(CrowdedTournament(criterion: .dominance).winner(0, 1, in: population, using: &rng) == 0)
        #expect(CrowdedTournament(criterion: .rank).winner(0, 1, in: population, using: &rng) == 1)
    }

    @Test func selectionReturnsValidIndicesFavouringBetterRanks() {
        var rng = SplitMix64(seed: 4)
        let population = (0..<10).map { Self.individual([Double($0)], rank: $0, crowding: 1) }
        let picks = CrowdedTournament().select(population, count: 1_000, using: &rng)
        #expect(picks.count == 1_000 && picks.allSatisfy { (0..<10).contains($0) })
        // The worst rank never wins: with an even population a pair never repeats an individual.
        #expect(picks.filter { $0 == 9 }.isEmpty)
        #expect(picks.filter { $0 == 0 }.count > picks.filter { $0 == 5 }.count)
    }

    @Test func survivalKeepsWholeFrontsAndCutsTheSplittingOneByCrowding() {
        var rng = SplitMix64(seed: 5)
        // Front 0: three points. Front 1: the crowding example shifted by 20 (distances
        // ∞, 0.4, 0.45, 0.6, ∞). One infeasible point that must not survive.
        let front0: [[Double]] = [[0, 5], [1, 1], [5, 0]]
        let front1: [[Double]] = [[20, 30], [21, 26], [23, 25], [26, 22], [30, 20]]
        let population = (front1 + front0).map { Self.individual($0) } + [Self.individual([0, 0], violation: 1)]
        let survivors = RankAndCrowdingSurvival().survive(population, count: 6, using: &rng)
        #expect(survivors.count == 6)
        #expect(Set(survivors.filter { $0.rank == 0 }.map(\.objectives)) == Set(front0))
        let kept = survivors.filter { $0.rank == 1 }
        #expect(Set(kept.map(\.objectives)) == [[20, 30], [30, 20], [26, 22]])
        #expect(abs((kept.first { $0.objectives == [26, 22] }?.crowding ?? 0) - 0.6) < 1e-12)
    }

    @Test func equalCrowdingAtTheCutIsSettledAtRandom() {
        // Interior points of a straight front have equal distances; keeping three of four
        // must sometimes keep one interior point and sometimes the other.
        let front = [[0.0, 3], [1, 2], [2, 1], [3, 0]].map { Self.individual($0) }
        var keptInterior = Set<[Double]>()
        for seed in 1...20 {
            var rng = SplitMix64(seed: UInt64(seed))
            let survivors = RankAndCrowdingSurvival().survive(front, count: 3, using: &rng)
            let objectives = Set(survivors.map(\.objectives))
            #expect(objectives.contains([0, 3]) && objectives.contains([3, 0]))
            keptInterior.formUnion(objectives.subtracting([[0, 3], [3, 0]]))
        }
        #expect(keptInterior == [[1, 2], [2, 1]])
    }

    @Test func infeasibleSurviveByViolationWhenFeasibleRunOut() {
        var rng = SplitMix64(seed: 6)
        let population = [
            Self.individual([0, 0], violation: 3), Self.individual([5, 5]),
            Self.individual([0, 0], violation: 1), Self.individual([0, 0], violation: 2),
        ]
        let survivors = RankAndCrowdingSurvival().survive(population, count: 3, using: &rng)
        #expect(survivors.map(\.totalViolation) == [0, 1, 2])
        #expect(survivors.map(\.rank) == [0, 1, 2])
    }
}
