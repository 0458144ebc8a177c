import FedRandom
import Testing
@testable import FedOptimize

@Suite struct NSGA2Tests {
    static func bits(_ result: OptimizationResult) -> [[UInt64]] {
        result.population.map { ($0.x + $0.objectives + [$0.crowding, Double($0.rank)]).map(\.bitPattern) }
    }

    @Test func sameSeedGivesTheSameFinalPopulationBitForBit() {
        let optimizer = NSGA2(populationSize: 40, generations: 40, seed: 12)
        let a = optimizer.run(ZDT(.zdt1)), b = optimizer.run(ZDT(.zdt1))
        #expect(Self.bits(a) == Self.bits(b))
        let c = optimizer.run(LineConstrained()), d = optimizer.run(LineConstrained())
        #expect(Self.bits(c) == Self.bits(d))
    }

    @Test func differentSeedsGiveDifferentPopulations() {
        let a = NSGA2(populationSize: 40, generations: 40, seed: 1).run(ZDT(.zdt1))
        let b = NSGA2(populationSize: 40, generations: 40, seed: 2).run(ZDT(.zdt1))
        #expect(Self.bits(a) != Self.bits(b))
    }

    @Test func aSmallRunIsPinned() {
        // Only +, −, ×, ÷ and √ are involved on ZDT1 (the operators' powers are portable), so
        // this fingerprint is the same on every machine. A deliberate change to the
        // algorithm changes it: update it then, and only then.
        let result = NSGA2(populationSize: 12, generations: 10, seed: 2024).run(ZDT(.zdt1, variableCount: 5))
        var fingerprint: UInt64 = 0
        for individual in result.population {
            for value in individual.x + individual.objectives {
                fingerprint = (fingerprint ^ value.bitPattern) &* 0x100_0000_01B3
            }
        }
        #expect(result.evaluations == 12 + 10 * 12)
        #expect(fingerprint == Self.pinnedFingerprint)
    }

    static let pinnedFingerprint: UInt64 = 10_058_683_078_426_745_269

    @Test func resultShapeAndBounds() {
        let result = NSGA2(populationSize: 30, generations: 20, seed: 3).run(ZDT(.zdt2))
        #expect(result.population.count == 30)
        #expect(result.generations == 20)
        #expect(result.evaluations == 30 + 20 * 30)
        #expect(result.population.allSatisfy { $0.x.allSatisfy { (0...1).contains($0) } })
        #expect(!result.paretoSet.isEmpty && result.paretoSet.allSatisfy { $0.rank == 0 })
        // No two members share genes: duplicates are eliminated.
        #expect(Set(result.population.map(\.x)).count == 30)
    }

    @Test func constrainedRunsEndFeasibleOnTheConstraintBoundary() {
        let result = NSGA2(populationSize: 40, generations: 60, seed: 4).run(LineConstrained())
        #expect(result.population.allSatisfy { $0.isFeasible })
        #expect(result.paretoSet.count > 10)
        #expect(result.paretoSet.allSatisfy { abs($0.x[0] + $0.x[1] - 1) < 0.05 })
    }

    @Test func mixedGenesStayOnTheirValuesAndConverge() {
        let result = NSGA2(populationSize: 40, generations: 60, seed: 5).run(MixedGenes())
        for individual in result.population {
            #expect(individual.x[0] == individual.x[0].rounded() && (0...10).contains(individual.x[0]))
            #expect([0, 1, 2].contains(individual.x[2]))
        }
        #expect(result.paretoSet.allSatisfy { $0.x[2] == 0 })
        // Every integer count is on the front (n + s spans 0…11).
        #expect(Set(result.paretoSet.map { $0.x[0] }).count == 11)
    }

    @Test func aTinyDiscreteSpaceStopsWhenNothingNewCanBeBred() {
        // 2 × 3 = 6 gene vectors in all: the population holds them all and mating runs dry.
        struct Tiny: Problem {
            let variables: [Variable] = [.categorical(2), .integer(0...2)]
            let objectiveCount = 2
            let constraintCount = 0
            func evaluate(_ x: [Double]) -> (objectives: [Double], constraintViolations: [Double]) {
                ([x[0] + x[1], 3 - x[1]], [])
            }
        }
        let result = NSGA2(populationSize: 20, generations: 50, seed: 6).run(Tiny())
        #expect(result.population.count == 6)
        #expect(result.generations < 50)
        #expect(Set(result.paretoSet.map(\.x)) == [[0, 0], [0, 1], [0, 2]])
    }

    @Test func replaceablePartsAreUsed() {
        // A survival that keeps the first `count` as they come shows NSGA2 really calls it.
        struct FirstComeSurvival: Survival {
            func survive(_ population: [Individual], count: Int, using rng: inout SplitMix64) -> [Individual] {
                Array(population.prefix(count))
            }
        }
        let result = NSGA2(populationSize: 10, generations: 5, seed: 7, survival: FirstComeSurvival()).run(ZDT(.zdt1))
        let initial = NSGA2(populationSize: 10, generations: 0, seed: 7, survival: FirstComeSurvival()).run(ZDT(.zdt1))
        #expect(result.population.map(\.x) == initial.population.map(\.x))
    }
}
