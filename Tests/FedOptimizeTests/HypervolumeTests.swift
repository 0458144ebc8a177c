import FedRandom
import Foundation
import Testing
@testable import FedOptimize

@Suite struct HypervolumeTests {
    @Test func aSinglePointIsItsBox() {
        #expect(hypervolume([[0.5, 0.5]], reference: [1, 1]) == 0.25)
        #expect(hypervolume([[0, 0, 0]], reference: [1, 2, 3]) == 6)
        #expect(hypervolume([[1, 1, 1, 1]], reference: [2, 3, 4, 5]) == 24)
        #expect(hypervolume([[0.25]], reference: [1]) == 0.75)
    }

    @Test func aHandComputedStaircase() {
        // Strips from the top: 3×1 + 2×1 + 1×1.
        #expect(hypervolume([[1, 3], [2, 2], [3, 1]], reference: [4, 4]) == 6)
    }

    @Test func dominatedRepeatedAndOutsidePointsAddNothing() {
        let staircase: [[Double]] = [[1, 3], [2, 2], [3, 1]]
        let noise: [[Double]] = [[3, 3], [2, 2], [5, 0], [4, 0.5], [0.5, 4]]
        #expect(hypervolume(staircase + noise, reference: [4, 4]) == 6)
        #expect(hypervolume([[5, 5]], reference: [4, 4]) == 0)
        #expect(hypervolume([], reference: [1, 1]) == 0)
    }

    @Test func theLinearFront() {
        // n−1 points on f1 + f2 = 1 inside (1, 1): Σ (1 − i/n)/n = (n − 1)/(2n).
        let n = 10
        let points = (1..<n).map { i in [Double(i) / Double(n), 1 - Double(i) / Double(n)] }
        #expect(abs(hypervolume(points, reference: [1, 1]) - 0.45) < 1e-12)
    }

    @Test func threeDimensionsByInclusionExclusion() {
        // Boxes of 4 each, pairwise overlaps of 2, a triple overlap of 1: 12 − 6 + 1.
        #expect(hypervolume([[1, 0, 0], [0, 1, 0], [0, 0, 1]], reference: [2, 2, 2]) == 7)
        // 4 + 2 − 1.
        #expect(hypervolume([[0, 0, 1], [1, 1, 0]], reference: [2, 2, 2]) == 5)
    }

    @Test(arguments: [2, 3, 4, 5])
    func randomSetsMatchInclusionExclusion(dimensions: Int) {
        var rng = SplitMix64(seed: UInt64(100 + dimensions))
        let reference = [Double](repeating: 1, count: dimensions)
        for _ in 0..<25 {
            let count = 1 + rng.nextInt(below: 8)
            // Quarter steps make ties in every coordinate common.
            let points = (0..<count).map { _ in (0..<dimensions).map { _ in Double(rng.nextInt(below: 5)) / 4 } }
            let expected = inclusionExclusion(points, reference: reference)
            #expect(abs(hypervolume(points, reference: reference) - expected) < 1e-12)
        }
    }

    @Test func trueFrontsApproachTheirAnalyticVolumes() {
        // With reference 1.1: ZDT1 0.1 + 2/3 + 0.11, ZDT2 0.1 + 1/3 + 0.11, DTLZ2 1.1³ − π/6.
        let zdt1 = hypervolume(ZDT(.zdt1).paretoFront(pointCount: 2_000), reference: [1.1, 1.1])
        #expect(zdt1 < 0.1 + 2.0 / 3 + 0.11 && zdt1 > 0.1 + 2.0 / 3 + 0.11 - 1e-3)
        let zdt2 = hypervolume(ZDT(.zdt2).paretoFront(pointCount: 2_000), reference: [1.1, 1.1])
        #expect(zdt2 < 0.1 + 1.0 / 3 + 0.11 && zdt2 > 0.1 + 1.0 / 3 + 0.11 - 1e-3)
        let dtlz2 = hypervolume(DTLZ2().paretoFront(pointCount: 1_000), reference: [1.1, 1.1, 1.1])
        let sphere = 1.331 - Double.pi / 6
        #expect(dtlz2 < sphere && dtlz2 > sphere - 0.02)
        // ZDT3 has no closed form; pymoo's 100-point runs reach 1.3276, the front a bit more.
        let zdt3 = hypervolume(ZDT(.zdt3).paretoFront(pointCount: 2_000), reference: [1.1, 1.1])
        #expect(zdt3 > 1.3276 && zdt3 < 1.34)
    }
}

/// Σ over non-empty subsets of (−1)^(|S|+1) · volume of the box of their componentwise max.
func inclusionExclusion(_ points: [[Double]], reference: [Double]) -> Double {
    let inside = points.filter { zip($0, reference).allSatisfy { $0 < $1 } }
    var total = 0.0
    for mask in 1..<(1 << inside.count) {
        var corner = [Double](repeating: -.infinity, count: reference.count)
        var size = 0
        for (i, p) in inside.enumerated() where mask & (1 << i) != 0 {
            size += 1
            for k in corner.indices { corner[k] = max(corner[k], p[k]) }
        }
        let box = zip(corner, reference).reduce(1.0) { $0 * ($1.1 - $1.0) }
        total += size % 2 == 1 ? box : -box
    }
    return total
}
