import FedRandom
import Testing
@testable import FedOptimize

/// NSGA-II on candidate tables must end with exactly the exhaustive front.
@Suite struct PlacementSearchTests {
    static let optimizer = NSGA2(populationSize: 100, generations: 200, seed: 7)

    @Test func smallHandTable() throws {
        let candidates = PlacementProblemTests.table + [
            PlacementCandidate(coordinates: [20, 0], objectives: [3, 1.5], constraintViolations: [0]),
        ]
        let problem = try PlacementProblem(candidates: candidates)
        #expect(exhaustiveParetoFront(candidates) == [0, 1, 3])
        #expect(problem.optimizedParetoFront(using: Self.optimizer) == [0, 1, 3])
    }

    @Test(arguments: 1...4)
    func generatedAggregatorTables(seed: Int) throws {
        let candidates = SyntheticPlacementTable(seed: UInt64(seed)).candidates()
        #expect((300...480).contains(candidates.count))
        let problem = try PlacementProblem(candidates: candidates)
        let exact = exhaustiveParetoFront(candidates)
        #expect(exact.count >= 2)
        var optimizer = Self.optimizer
        optimizer.seed = UInt64(seed)
        #expect(problem.optimizedParetoFront(using: optimizer) == exact)
    }

    @Test(arguments: 1...3)
    func generatedTablesWithThreeObjectives(seed: Int) throws {
        let candidates = SyntheticPlacementTable(participants: 4, includesCarbon: true, seed: UInt64(50 + seed)).candidates()
        let problem = try PlacementProblem(candidates: candidates)
        let exact = exhaustiveParetoFront(candidates)
        #expect(exact.count >= 3)
        #expect(problem.optimizedParetoFront(using: Self.optimizer) == exact)
    }

    @Test(arguments: 1...3)
    func randomSparseTablesWithTiedObjectives(seed: Int) throws {
        // Random coordinates on a 6 × 10 × 8 grid, coarse objectives so equal vectors occur.
        var rng = SplitMix64(seed: UInt64(seed))
        var seen = Set<[Int]>()
        var candidates: [PlacementCandidate] = []
        while candidates.count < 300 {
            let coordinates = [rng.nextInt(below: 6), rng.nextInt(below: 10), rng.nextInt(below: 8)]
            guard seen.insert(coordinates).inserted else { continue }
            let objectives = (0..<3).map { _ in Double(rng.nextInt(below: 20)) }
            let violation = rng.nextUnit() < 0.3 ? rng.nextUnit() : -rng.nextUnit()
            candidates.append(PlacementCandidate(coordinates: coordinates, objectives: objectives, constraintViolations: [violation]))
        }
        let problem = try PlacementProblem(candidates: candidates)
        #expect(problem.optimizedParetoFront(using: Self.optimizer) == exhaustiveParetoFront(candidates))
    }

    @Test func aFlatTableWorksWithOneCoordinate() throws {
        let candidates = SyntheticPlacementTable(seed: 9).candidates().enumerated().map { i, c in
            PlacementCandidate(coordinates: [i], objectives: c.objectives, constraintViolations: c.constraintViolations)
        }
        let problem = try PlacementProblem(candidates: candidates)
        #expect(problem.optimizedParetoFront(using: Self.optimizer) == exhaustiveParetoFront(candidates))
    }

    @Test func nothingFeasibleGivesAnEmptyFront() throws {
        let candidates = (0..<20).map { (i: Int) -> PlacementCandidate in
            let violation = 1 + Double(i % 3)
            return PlacementCandidate(coordinates: [i % 4, i / 4], objectives: [Double(i), Double(20 - i)], constraintViolations: [violation])
        }
        let problem = try PlacementProblem(candidates: candidates)
        #expect(exhaustiveParetoFront(candidates).isEmpty)
        #expect(problem.optimizedParetoFront(using: Self.optimizer).isEmpty)
    }

    @Test func placementRunsAreDeterministic() throws {
        let problem = try PlacementProblem(candidates: SyntheticPlacementTable(seed: 3).candidates())
        let optimizer = NSGA2(populationSize: 30, generations: 20, seed: 5)
        let a = optimizer.run(problem), b = optimizer.run(problem)
        #expect(a.population.map(\.x) == b.population.map(\.x))
    }
}
