import Foundation

/// Zitzler, Deb & Thiele's (2000) two-objective test problems ZDT1–ZDT3: 30 real variables
/// in [0, 1]; the front is reached when x₂…xₙ are 0 (g = 1).
public struct ZDT: ReferenceProblem {
    public enum Variant: String, Sendable, CaseIterable {
        /// Convex front f₂ = 1 − √f₁.
        case zdt1
        /// Concave front f₂ = 1 − f₁².
        case zdt2
        /// Five disconnected pieces of f₂ = 1 − √f₁ − f₁·sin(10πf₁).
        case zdt3
    }

    public let variant: Variant
    public let variables: [Variable]
    public var objectiveCount: Int { 2 }
    public var constraintCount: Int { 0 }
    public var name: String { variant.rawValue.uppercased() }

    public init(_ variant: Variant, variableCount: Int = 30) {
        precondition(variableCount >= 2, "ZDT needs at least two variables")
        self.variant = variant
        self.variables = Array(repeating: .real(0...1), count: variableCount)
    }

    public func evaluate(_ x: [Double]) -> (objectives: [Double], constraintViolations: [Double]) {
        let f1 = x[0]
        var tail = 0.0
        for i in 1..<x.count { tail += x[i] }
        let g = 1 + 9 * tail / Double(x.count - 1)
        return ([f1, g * shape(f1 / g, f1: f1)], [])
    }

    /// h(f₁/g) of each variant; f₂ = g·h.
    private func shape(_ ratio: Double, f1: Double) -> Double {
        switch variant {
        case .zdt1: return 1 - ratio.squareRoot()
        case .zdt2: return 1 - ratio * ratio
        case .zdt3: return 1 - ratio.squareRoot() - ratio * sin(10 * Double.pi * f1)
        }
    }

    public func paretoFront(pointCount: Int) -> [[Double]] {
        switch variant {
        case .zdt1, .zdt2:
            return evenly(pointCount, in: [0...1]).map { [$0, shape($0, f1: $0)] }
        case .zdt3:
            return evenly(pointCount, in: Self.zdt3Pieces).map { [$0, shape($0, f1: $0)] }
        }
    }

    /// f₁ ranges of ZDT3's five front pieces (the values pymoo uses).
    static let zdt3Pieces: [ClosedRange<Double>] = [
        0...0.0830015349,
        0.182228780...0.2577623634,
        0.4093136748...0.4538821041,
        0.6183967944...0.6525117038,
        0.8233317983...0.8518328654,
    ]

    /// About `count` values spread evenly over the ranges (each gets its share by length).
    private func evenly(_ count: Int, in ranges: [ClosedRange<Double>]) -> [Double] {
        let total = ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) }
        return ranges.flatMap { range -> [Double] in
            let share = max(2, Int((Double(count) * (range.upperBound - range.lowerBound) / total).rounded()))
            let step = (range.upperBound - range.lowerBound) / Double(share - 1)
            return (0..<share).map { range.lowerBound + Double($0) * step }
        }
    }
}
