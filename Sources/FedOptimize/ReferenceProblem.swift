/// A benchmark problem whose true Pareto front is known, for measuring an optimiser.
public protocol ReferenceProblem: Problem, Sendable {
    var name: String { get }
    /// About `pointCount` points spread over the true Pareto front.
    func paretoFront(pointCount: Int) -> [[Double]]
}
