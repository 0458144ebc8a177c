/// One evaluated solution and the ranking survival gave it.
public struct Individual: Sendable, Hashable {
    /// Decision variables (genes).
    public var x: [Double] {
        didSet { geneHash = GeneSet.hash(x) }
    }
    /// Objective values, all minimised.
    public var objectives: [Double]
    /// One value per constraint; ≤ 0 means satisfied.
    public var constraintViolations: [Double]
    /// Sum of the positive violations (Deb's CV); 0 for a feasible solution.
    public var totalViolation: Double
    /// Front index from the last survival (0 = best); -1 before any survival.
    public var rank: Int
    /// Crowding distance within its front from the last survival; 0 before any survival.
    public var crowding: Double
    /// `GeneSet.hash(x)`, kept so duplicate elimination hashes each individual once, not once
    /// per generation it lives.
    private(set) var geneHash: Int

    public init(x: [Double], objectives: [Double], constraintViolations: [Double]) {
        self.init(x: x, objectives: objectives, constraintViolations: constraintViolations, geneHash: GeneSet.hash(x))
    }

    init(x: [Double], objectives: [Double], constraintViolations: [Double], geneHash: Int) {
        self.x = x
        self.geneHash = geneHash
        self.objectives = objectives
        self.constraintViolations = constraintViolations
        self.totalViolation = FedOptimize.totalViolation(constraintViolations)
        self.rank = -1
        self.crowding = 0
    }

    public var isFeasible: Bool { totalViolation <= 0 }

    /// An empty individual (no allocation) to leave behind when moving one out of an array.
    static let placeholder = Individual(x: [], objectives: [], constraintViolations: [], geneHash: 0)
}

extension Problem {
    /// Evaluates `x` into an unranked individual.
    public func individual(_ x: [Double]) -> Individual {
        individual(x, geneHash: GeneSet.hash(x))
    }

    func individual(_ x: [Double], geneHash: Int) -> Individual {
        let (objectives, violations) = evaluate(x)
        precondition(objectives.count == objectiveCount, "evaluate returned the wrong number of objectives")
        precondition(violations.count == constraintCount, "evaluate returned the wrong number of constraints")
        return Individual(x: x, objectives: objectives, constraintViolations: violations, geneHash: geneHash)
    }
}
