import FedRandom
import Testing
@testable import FedOptimize

/// The two-objective sweep behind `exhaustiveParetoFront` against the definition (a feasible
/// candidate no feasible candidate dominates), and the agreement count a search is scored by.
@Suite struct ExactFrontTests {
    static func byDefinition(_ c: [PlacementCandidate]) -> [Int] {
        c.indices.filter { i in
            c[i].isFeasible && !c.indices.contains { j in c[j].isFeasible && paretoDominance(c[j].objectives, c[i].objectives) == .firstDominates }
        }
    }

    @Test(arguments: 1...20)
    func sweepEqualsTheDefinitionWithTiesAndInfeasibles(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        // Coarse integer objectives so equal first objectives, equal second ones and equal
        // vectors all occur; a third of the candidates infeasible.
        let c = (0..<(5 + rng.nextInt(below: 200))).map { i in
            PlacementCandidate(coordinates: [i], objectives: [Double(rng.nextInt(below: 12)), Double(rng.nextInt(below: 12))],
                               constraintViolations: [rng.nextUnit() < 0.33 ? 1 : -1])
        }
        #expect(exhaustiveParetoFront(c) == Self.byDefinition(c))
    }

    @Test func handTable() {
        let c: [PlacementCandidate] = [
            .init(coordinates: [0], objectives: [1, 5]),
            .init(coordinates: [1], objectives: [1, 5]),      // ties with 0: both kept
            .init(coordinates: [2], objectives: [1, 6]),      // same cost, slower: dominated
            .init(coordinates: [3], objectives: [2, 5]),      // dearer, as slow: dominated
            .init(coordinates: [4], objectives: [2, 4]),
            .init(coordinates: [5], objectives: [0.5, 1], constraintViolations: [0.1]),   // infeasible
            .init(coordinates: [6], objectives: [3, 1]),
        ]
        #expect(exhaustiveParetoFront(c) == [0, 1, 4, 6])
        #expect(exhaustiveParetoFront([c[5]]).isEmpty)
        #expect(exhaustiveParetoFront([]).isEmpty)
    }

    @Test func agreementCountsDistinctPoints() {
        let c: [PlacementCandidate] = [
            .init(coordinates: [0], objectives: [1, 5]), .init(coordinates: [1], objectives: [1, 5]),
            .init(coordinates: [2], objectives: [2, 4]), .init(coordinates: [3], objectives: [3, 1]),
            .init(coordinates: [4], objectives: [3, 4]),
        ]
        let exact = exhaustiveParetoFront(c)
        #expect(exact == [0, 1, 2, 3])
        let all = FrontAgreement(found: [1, 2, 3], exact: exact, in: c)
        #expect(all == FrontAgreement(exactPoints: 3, foundPoints: 3, extraPoints: 0) && all.isExact)
        let partial = FrontAgreement(found: [2, 4], exact: exact, in: c)
        #expect(partial == FrontAgreement(exactPoints: 3, foundPoints: 1, extraPoints: 1) && !partial.isExact)
        #expect(FrontAgreement(found: [], exact: exact, in: c).foundPoints == 0)
    }
}
