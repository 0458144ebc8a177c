@testable import FedOptimize

/// min (x, y) subject to x + y ≥ 1 on [0, 1]²: the unconstrained optimum (0, 0) is
/// infeasible and the constrained front is the line x + y = 1.
struct LineConstrained: Problem {
    let variables: [Variable] = [.real(0...1), .real(0...1)]
    let objectiveCount = 2
    let constraintCount = 1

    func evaluate(_ x: [Double]) -> (objectives: [Double], constraintViolations: [Double]) {
        (x, [1 - x[0] - x[1]])
    }
}

/// Mixed genes: an integer count n in 0...10, a real share s, a categorical colour c of 3.
/// min (n + s, 10 − n + (1 − s) + c): the colour only costs, so the front has c = 0.
struct MixedGenes: Problem {
    let variables: [Variable] = [.integer(0...10), .real(0...1), .categorical(3)]
    let objectiveCount = 2
    let constraintCount = 0

    func evaluate(_ x: [Double]) -> (objectives: [Double], constraintViolations: [Double]) {
        ([x[0] + x[1], 10 - x[0] + (1 - x[1]) + x[2]], [])
    }
}
