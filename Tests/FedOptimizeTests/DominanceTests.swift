import Testing
@testable import FedOptimize

@Suite struct DominanceTests {
    @Test func paretoDominanceNeedsNoWorseEverywhereAndBetterSomewhere() {
        #expect(paretoDominance([1, 2], [2, 2]) == .firstDominates)
        #expect(paretoDominance([2, 3], [2, 2]) == .secondDominates)
        #expect(paretoDominance([1, 3], [2, 2]) == .neither)
        #expect(paretoDominance([2, 2], [2, 2]) == .neither)
        #expect(paretoDominance([0, 0, 1], [0, 0, 2]) == .firstDominates)
        #expect(paretoDominance([5], [7]) == .firstDominates)
    }

    @Test func totalViolationSumsOnlyPositiveParts() {
        #expect(totalViolation([-1, 0.5, 2, 0]) == 2.5)
        #expect(totalViolation([-3, 0]) == 0)
        #expect(totalViolation([]) == 0)
    }

    @Test func feasibleBeatsInfeasibleWhateverTheObjectives() {
        #expect(constrainedDominance([9, 9], violation: 0, [0, 0], violation: 0.1) == .firstDominates)
        #expect(constrainedDominance([0, 0], violation: 3, [9, 9], violation: 0) == .secondDominates)
    }

    @Test func twoInfeasibleCompareByTotalViolationOnly() {
        #expect(constrainedDominance([9, 9], violation: 1, [0, 0], violation: 2) == .firstDominates)
        #expect(constrainedDominance([0, 0], violation: 2, [9, 9], violation: 1) == .secondDominates)
        #expect(constrainedDominance([0, 0], violation: 2, [9, 9], violation: 2) == .neither)
    }

    @Test func twoFeasibleCompareByParetoDominance() {
        #expect(constrainedDominance([1, 1], violation: 0, [2, 2], violation: 0) == .firstDominates)
        #expect(constrainedDominance([1, 3], violation: 0, [2, 2], violation: 0) == .neither)
        // A non-positive total (a caller passing raw slack) still counts as feasible.
        #expect(constrainedDominance([1, 1], violation: -5, [2, 2], violation: 0) == .firstDominates)
    }
}
