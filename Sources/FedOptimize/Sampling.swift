import FedRandom

/// Creates the initial decision vectors.
public protocol Sampling: Sendable {
    func sample(_ variables: [Variable], count: Int, using rng: inout SplitMix64) -> [[Double]]
}

/// Uniform over the box: reals uniform in [lower, upper), integers and categoricals uniform
/// over their allowed values (as pymoo's Float/IntegerRandomSampling).
public struct UniformSampling: Sampling {
    public init() {}

    public func sample(_ variables: [Variable], count: Int, using rng: inout SplitMix64) -> [[Double]] {
        (0..<count).map { _ in
            variables.map { variable in
                switch variable.kind {
                case .real:
                    return variable.lower + rng.nextUnit() * (variable.upper - variable.lower)
                case .integer, .categorical:
                    let choices = Int(variable.upper - variable.lower) + 1
                    return variable.lower + Double(rng.nextInt(below: choices))
                }
            }
        }
    }
}
