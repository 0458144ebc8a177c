import Testing
@testable import FedOptimize

@Suite struct PlacementProblemTests {
    /// 2 clouds × 2 types, with cloud 1 lacking type 0 (coordinates need not start at 0).
    static let table = [
        PlacementCandidate(coordinates: [10, 0], objectives: [4, 1], constraintViolations: [-1]),
        PlacementCandidate(coordinates: [10, 1], objectives: [2, 2], constraintViolations: [0]),
        PlacementCandidate(coordinates: [20, 1], objectives: [1, 5], constraintViolations: [3]),
    ]

    @Test func axesBecomeCategoricalGenes() throws {
        let problem = try PlacementProblem(candidates: Self.table)
        #expect(problem.axisValues == [[10, 20], [0, 1]])
        #expect(problem.variables == [.categorical(2), .categorical(2)])
        #expect(problem.constraintCount == 2)
        #expect(problem.candidateIndex(for: [1, 1]) == 2)
        #expect(problem.genes(of: 2) == [1, 1])
        #expect((0..<3).allSatisfy { problem.candidateIndex(for: problem.genes(of: $0)) == $0 })
    }

    @Test func existingCombinationsEvaluateToTheirRow() throws {
        let problem = try PlacementProblem(candidates: Self.table)
        let (f, g) = problem.evaluate([0, 1])
        #expect(f == [2, 2] && g == [0, 0])
    }

    @Test func missingCombinationsAreWorseThanAnyRealCandidate() throws {
        let problem = try PlacementProblem(candidates: Self.table)
        #expect(problem.candidateIndex(for: [1, 0]) == nil)
        let (f, g) = problem.evaluate([1, 0])
        #expect(f == [4, 5], "the worst value of each objective")
        #expect(g == [0, problem.missingViolation])
        #expect(problem.missingViolation > Self.table.map(\.totalViolation).max()!)
    }

    @Test func aHugeSparseGridIsLookedUpByDictionary() throws {
        // 2000 × 2000 positions exceed the flat table's limit; only the diagonal exists.
        let candidates = (0..<2_000).map { i in
            PlacementCandidate(coordinates: [i * 7, i * 3], objectives: [Double(i), Double(2_000 - i)])
        }
        let problem = try PlacementProblem(candidates: candidates)
        #expect(problem.candidateIndex(for: [1_234, 1_234]) == 1_234)
        #expect(problem.candidateIndex(for: [1_234, 1_235]) == nil)
        #expect(throws: PlacementError.duplicateCoordinates(first: 3, second: 2_000)) {
            try PlacementProblem(candidates: candidates + [PlacementCandidate(coordinates: [21, 9], objectives: [0, 0])])
        }
    }

    @Test func badTablesAreRejected() {
        #expect(throws: PlacementError.noCandidates) { try PlacementProblem(candidates: []) }
        #expect(throws: PlacementError.duplicateCoordinates(first: 0, second: 1)) {
            try PlacementProblem(candidates: [
                PlacementCandidate(coordinates: [1], objectives: [1]),
                PlacementCandidate(coordinates: [1], objectives: [2]),
            ])
        }
        #expect(throws: PlacementError.inconsistentShape(index: 1)) {
            try PlacementProblem(candidates: [
                PlacementCandidate(coordinates: [1], objectives: [1, 2]),
                PlacementCandidate(coordinates: [2], objectives: [2]),
            ])
        }
        #expect(throws: PlacementError.nonFiniteValue(index: 0)) {
            try PlacementProblem(candidates: [PlacementCandidate(coordinates: [1], objectives: [.infinity])])
        }
    }

    @Test func exhaustiveFrontByHand() {
        let candidates = [
            PlacementCandidate(coordinates: [0], objectives: [1, 9]),
            PlacementCandidate(coordinates: [1], objectives: [2, 9]),                          // dominated by 0
            PlacementCandidate(coordinates: [2], objectives: [5, 5]),
            PlacementCandidate(coordinates: [3], objectives: [0, 0], constraintViolations: [1]), // infeasible
            PlacementCandidate(coordinates: [4], objectives: [9, 1]),
            PlacementCandidate(coordinates: [5], objectives: [5, 5]),                          // ties with 2: kept
            PlacementCandidate(coordinates: [6], objectives: [6, 6]),                          // dominated by 2
        ]
        #expect(exhaustiveParetoFront(candidates) == [0, 2, 4, 5])
        #expect(exhaustiveParetoFront([PlacementCandidate(coordinates: [0], objectives: [1], constraintViolations: [2])]) == [])
    }
}
