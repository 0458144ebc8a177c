import FedRandom
import Testing
@testable import FedOptimize

@Suite struct NonDominatedSortTests {
    // Hand-sorted: 2 and 5 are equal (neither dominates), 3 and 7 are dominated by 0, 4 by
    // 1 and 2, and 6 by 4 — so it sits one front further back.
    static let points: [[Double]] = [[1, 5], [2, 3], [3, 1], [2, 6], [4, 4], [3, 1], [5, 5], [1, 7]]
    static let fronts = [[0, 1, 2, 5], [3, 4, 7], [6]]

    @Test func fastSortFindsTheHandComputedFronts() {
        #expect(fastNonDominatedSort(Self.points) == Self.fronts)
    }

    @Test func efficientSortFindsTheHandComputedFronts() {
        #expect(efficientNonDominatedSort(Self.points) == Self.fronts)
    }

    @Test func stoppingEarlyKeepsOnlyTheFrontsNeeded() {
        #expect(fastNonDominatedSort(Self.points, stoppingAfter: 4) == [[0, 1, 2, 5]])
        #expect(fastNonDominatedSort(Self.points, stoppingAfter: 5) == [[0, 1, 2, 5], [3, 4, 7]])
        #expect(efficientNonDominatedSort(Self.points, stoppingAfter: 5) == [[0, 1, 2, 5], [3, 4, 7]])
    }

    @Test func edgeCases() {
        #expect(fastNonDominatedSort([]) == [])
        #expect(efficientNonDominatedSort([]) == [])
        #expect(fastNonDominatedSort([[1, 1]]) == [[0]])
        // A chain in one objective: every point is its own front.
        #expect(efficientNonDominatedSort([[3], [1], [2]]) == [[1], [2], [0]])
    }

    @Test(arguments: [2, 3, 5])
    func bothSortersAgreeWithAPairwiseDefinition(objectives: Int) {
        var rng = SplitMix64(seed: UInt64(objectives))
        for _ in 0..<20 {
            // Coarse values make ties and duplicates common.
            let points = (0..<60).map { _ in (0..<objectives).map { _ in Double(rng.nextInt(below: 6)) } }
            let expected = pairwiseFronts(points) { paretoDominance($0, $1) == .firstDominates }
            #expect(fastNonDominatedSort(points) == expected)
            #expect(efficientNonDominatedSort(points) == expected)
        }
    }

    @Test func constrainedSortPutsFeasibleFirstThenLessViolationFirst() {
        let points: [[Double]] = [[5, 5], [1, 1], [0, 0], [2, 2], [6, 1], [0, 9]]
        let violations: [Double] = [0, 3, 1, 0, 0, 3]
        // Feasible 0, 3, 4: 3 dominates 0 only. Infeasible: 2 (CV 1), then 1 and 5 (CV 3).
        #expect(constrainedNonDominatedSort(points, totalViolations: violations) == [[3, 4], [0], [2], [1, 5]])
        #expect(constrainedNonDominatedSort(points, totalViolations: violations, stoppingAfter: 4) == [[3, 4], [0], [2]])
    }

    @Test func constrainedSortMatchesDebsConstrainedDomination() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20 {
            let points = (0..<50).map { _ in (0..<2).map { _ in Double(rng.nextInt(below: 8)) } }
            let violations = (0..<50).map { _ in rng.nextUnit() < 0.5 ? 0 : Double(rng.nextInt(below: 4)) }
            let expected = pairwiseFronts(points.indices.map { $0 }) { a, b in
                constrainedDominance(points[a], violation: violations[a], points[b], violation: violations[b]) == .firstDominates
            }
            #expect(constrainedNonDominatedSort(points, totalViolations: violations) == expected)
        }
    }
}

/// Fronts straight from the definition: peel off the points nothing left dominates.
func pairwiseFronts<T>(_ items: [T], dominates: (T, T) -> Bool) -> [[Int]] {
    var remaining = Array(items.indices)
    var fronts: [[Int]] = []
    while !remaining.isEmpty {
        let front = remaining.filter { i in !remaining.contains { j in dominates(items[j], items[i]) } }
        fronts.append(front)
        remaining.removeAll { front.contains($0) }
    }
    return fronts
}
