import Testing
@testable import FedOptimize

// Expected values are hand-computed and agree with pymoo 0.6.2's calc_crowding_distance.
@Suite struct CrowdingDistanceTests {
    @Test func boundaryPointsAreInfiniteAndInteriorOnesSumNormalisedGaps() {
        // f1 gaps over range 10: B 3, C 5, D 7; f2 gaps: B 5, C 4, D 5; halved for two objectives.
        let front: [[Double]] = [[0, 10], [1, 6], [3, 5], [6, 2], [10, 0]]
        let d = crowdingDistance(front)
        #expect(d[0] == .infinity && d[4] == .infinity)
        #expect(abs(d[1] - 0.4) < 1e-12)
        #expect(abs(d[2] - 0.45) < 1e-12)
        #expect(abs(d[3] - 0.6) < 1e-12)
    }

    @Test func threeObjectives() {
        let front: [[Double]] = [[0, 4, 4], [1, 2, 3], [2, 1, 2], [4, 0, 0], [3, 3.5, 1]]
        let d = crowdingDistance(front)
        #expect(d[0] == .infinity && d[3] == .infinity)
        #expect(abs(d[1] - 1.625 / 3) < 1e-12)
        #expect(abs(d[2] - 0.5) < 1e-12)
        #expect(abs(d[4] - 0.5) < 1e-12)
    }

    @Test func twoOrFewerPointsAreAllInfinite() {
        #expect(crowdingDistance([]) == [])
        #expect(crowdingDistance([[1, 2]]) == [.infinity])
        #expect(crowdingDistance([[1, 2], [2, 1]]) == [.infinity, .infinity])
    }

    @Test func aConstantObjectiveContributesNothing() {
        let d = crowdingDistance([[0, 1], [1, 1], [2, 1], [3, 1]])
        #expect(d[0] == .infinity && d[3] == .infinity)
        #expect(abs(d[1] - 1.0 / 3) < 1e-12 && abs(d[2] - 1.0 / 3) < 1e-12)
        #expect(crowdingDistance([[1, 1], [1, 1], [1, 1]]) == [0, 0, 0])
    }

    @Test func duplicatesSplitTheirGapByIndexOrder() {
        let d = crowdingDistance([[0, 2], [1, 1], [1, 1], [2, 0]])
        #expect(d == [.infinity, 0.5, 0.5, .infinity])
    }
}
