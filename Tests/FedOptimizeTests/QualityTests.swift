import Foundation
import Testing
@testable import FedOptimize

/// NSGA-II 100 × 250 (ZDT) or × 300 (DTLZ2) with the default operators must reach a median
/// hypervolume over 11 seeds no more than 0.5 % below pymoo 0.6.2's (reference point 1.1 in
/// every objective, non-dominated points only).
///
/// The DTLZ2 bound is tight: its seed-to-seed spread is about ±1 %, and pymoo 0.6.2 itself
/// gives medians of 0.7033 on seeds 1–11 but 0.7004 on seeds 21–31, which would fail here.
/// Ours is 0.7015 on seeds 1–11 (mean over 33 seeds 0.7014; pymoo's over 31 seeds 0.7019). If
/// a change to the random stream tips it under, compare over more seeds with
/// `fedplane-bench quality 33` before calling it a regression.
@Suite struct QualityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let problem: any ReferenceProblem
        let generations: Int
        let pymooMedian: Double
        var testDescription: String { problem.name }
    }

    static let cases = [
        Case(problem: ZDT(.zdt1), generations: 250, pymooMedian: 0.8694),
        Case(problem: ZDT(.zdt2), generations: 250, pymooMedian: 0.5362),
        Case(problem: ZDT(.zdt3), generations: 250, pymooMedian: 1.3276),
        Case(problem: DTLZ2(), generations: 300, pymooMedian: 0.7049),
    ]

    @Test(arguments: cases)
    func medianHypervolumeIsWithinHalfAPercentOfPymoo(_ c: Case) {
        let reference = [Double](repeating: 1.1, count: c.problem.objectiveCount)
        let volumes = (1...11).map { seed in
            let result = NSGA2(populationSize: 100, generations: c.generations, seed: UInt64(seed)).run(c.problem)
            return hypervolume(result.paretoSet.map(\.objectives), reference: reference)
        }
        let median = volumes.sorted()[5]
        #expect(median >= 0.995 * c.pymooMedian, "median HV \(median) vs pymoo \(c.pymooMedian); all: \(volumes)")
    }
}
