import Testing
@testable import FedOptimize

@Suite struct PlacementChoiceTests {
    static func candidates(_ objectives: [[Double]], violations: [Double]? = nil) -> [PlacementCandidate] {
        objectives.enumerated().map { i, f in
            PlacementCandidate(coordinates: [i], objectives: f, constraintViolations: [violations?[i] ?? 0])
        }
    }

    @Test func weightsPickTheMinimumNormalisedSum() {
        // Normalised cost A 0, B 1/3, C 1; latency A 1, B 4/9, C 0.
        let c = Self.candidates([[10, 100], [20, 50], [40, 10]])
        #expect(select(front: [0, 1, 2], in: c, weights: [0.5, 0.5]) == 1)
        #expect(select(front: [0, 1, 2], in: c, weights: [1, 0]) == 0)
        #expect(select(front: [0, 1, 2], in: c, weights: [0, 1]) == 2)
        #expect(select(front: [0, 1, 2], in: c, weights: [0.9, 0.1]) == 0)
    }

    @Test func tiesGoToTheLexicographicallySmallerObjectivesThenTheSmallerIndex() {
        let c = Self.candidates([[1, 0], [0, 1], [0, 1]])
        #expect(select(front: [0, 1, 2], in: c, weights: [0.5, 0.5]) == 1)
        #expect(select(front: [2, 0, 1], in: c, weights: [0.5, 0.5]) == 1)
        #expect(select(front: [2, 0], in: c, weights: [0.5, 0.5]) == 2)
    }

    @Test func aConstantObjectiveNormalisesToZero() {
        let c = Self.candidates([[3, 7], [1, 7], [2, 7]])
        #expect(select(front: [0, 1, 2], in: c, weights: [0.1, 0.9]) == 1)
        #expect(select(front: [0], in: c, weights: [1, 1]) == 0)
    }

    @Test func infeasibleMembersAreIgnoredAndNoneFeasibleGivesNil() {
        let c = Self.candidates([[0, 0], [5, 5], [6, 4]], violations: [1, 0, 0])
        #expect(select(front: [0, 1, 2], in: c, weights: [1, 0]) == 1)
        #expect(select(front: [0], in: c, weights: [1, 0]) == nil)
        #expect(select(front: [], in: c, weights: [1, 0]) == nil)
    }

    @Test func closestCandidateHasTheSmallestTotalViolation() {
        let c = [
            PlacementCandidate(coordinates: [0], objectives: [1], constraintViolations: [5, -1]),
            PlacementCandidate(coordinates: [1], objectives: [1], constraintViolations: [0.5, 2]),
            PlacementCandidate(coordinates: [2], objectives: [1], constraintViolations: [1, 0.25]),
            PlacementCandidate(coordinates: [3], objectives: [1], constraintViolations: [0.25, 1]),
        ]
        let closest = closestCandidate(c)
        #expect(closest?.index == 2, "ties on 1.25 go to the smaller index")
        #expect(closest?.totalViolation == 1.25)
        #expect(closest?.breaches == [ConstraintBreach(constraint: 0, amount: 1), ConstraintBreach(constraint: 1, amount: 0.25)])
        #expect(closestCandidate([]) == nil)
    }

    /// A feasible candidate has nothing to break: it is never named "closest" (the bug was a
    /// feasible candidate "which breaks " nothing).
    @Test func closestCandidateIsNeverAFeasibleOne() {
        let c = [
            PlacementCandidate(coordinates: [0], objectives: [1], constraintViolations: [0.5, -1]),
            PlacementCandidate(coordinates: [1], objectives: [1], constraintViolations: [-1, 0]),
            PlacementCandidate(coordinates: [2], objectives: [1], constraintViolations: [0.25, 0.1]),
        ]
        let closest = closestCandidate(c)
        #expect(closest?.index == 2)
        #expect(closest?.breaches.isEmpty == false)
        #expect(closestCandidate([c[1]]) == nil)
    }
}
