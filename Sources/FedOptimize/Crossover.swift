import FedRandom

/// Recombines two parents into two children.
public protocol Crossover: Sendable {
    func cross(
        _ first: [Double], _ second: [Double], variables: [Variable], using rng: inout SplitMix64
    ) -> ([Double], [Double])
}

/// Simulated binary crossover (Deb & Agrawal 1995) in pymoo's form: the parents mate with
/// `probability` (otherwise the children are copies); each variable then crosses with
/// `variableProbability`, its two children trade places with probability ½ and are clamped
/// to the bounds.
///
/// Integer genes go through SBX on their real value and are rounded back. Categorical genes
/// have no order for SBX to exploit, so they get uniform crossover instead: each one is
/// swapped between the children with probability ½.
public struct SBX: Crossover {
    public let probability: Double
    public let eta: Double
    public let variableProbability: Double
    private let spread: SpreadPowers

    public init(probability: Double = 0.9, eta: Double = 15, variableProbability: Double = 0.5) {
        self.probability = probability
        self.eta = eta
        self.variableProbability = variableProbability
        self.spread = SpreadPowers(eta: eta)
    }

    public func cross(
        _ first: [Double], _ second: [Double], variables: [Variable], using rng: inout SplitMix64
    ) -> ([Double], [Double]) {
        var a = first, b = second
        guard rng.nextUnit() < probability else { return (a, b) }
        // Buffers: one uniqueness check per child instead of one per written gene.
        a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in
                for i in variables.indices {
                    let variable = variables[i]
                    if case .categorical = variable.kind {
                        if rng.nextUnit() < 0.5 { swap(&a[i], &b[i]) }
                        continue
                    }
                    guard rng.nextUnit() < variableProbability else { continue }
                    let (p, q) = (a[i], b[i])
                    // pymoo skips genes that are (nearly) equal or have no range.
                    guard abs(p - q) > 1e-14, variable.lower < variable.upper else { continue }
                    // One draw gives both the spread's uniform (top 53 bits) and the coin that
                    // decides which child gets which value (lowest bit, unused by the uniform).
                    let draw = rng.next()
                    let u = Double(draw >> 11) * 0x1.0p-53
                    let (c1, c2) = children(min(p, q), max(p, q), variable.lower, variable.upper, u: u)
                    let exchange = draw & 1 == 1
                    a[i] = variable.repaired(exchange ? c2 : c1)
                    b[i] = variable.repaired(exchange ? c1 : c2)
                }
            }
        }
        return (a, b)
    }

    /// The two SBX children of y1 < y2, with the spread bounded so each stays in [low, high]
    /// with the right probability (Deb's bounded SBX; one uniform `u` for both, as pymoo).
    func children(_ y1: Double, _ y2: Double, _ low: Double, _ high: Double, u: Double) -> (Double, Double) {
        let delta = y2 - y1
        // 1/β for β = 1 + 2(y1 − low)/δ and β = 1 + 2(high − y2)/δ. The two children's
        // chains are independent, so they run side by side (the roots are latency-bound).
        let (lowTail, highTail) = spread.tail.pair(
            delta / (delta + 2 * (y1 - low)), delta / (delta + 2 * (high - y2)))
        // α = 2 − β^−(η+1); the inverse CDF of the bounded spread distribution is
        // (uα)^(1/(η+1)) when u ≤ 1/α (tested as uα ≤ 1), else (1/(2 − uα))^(1/(η+1)).
        // Both branches are computed and one selected: the test is a coin flip, and a
        // mispredicted branch would cost more than the spare division.
        let (lowUA, highUA) = (u * (2 - lowTail), u * (2 - highTail))
        let (lowAlt, highAlt) = (1 / (2 - lowUA), 1 / (2 - highUA))
        let (lowQ, highQ) = spread.root.pair(lowUA <= 1 ? lowUA : lowAlt, highUA <= 1 ? highUA : highAlt)
        let c1 = 0.5 * ((y1 + y2) - lowQ * delta)
        let c2 = 0.5 * ((y1 + y2) + highQ * delta)
        return (c1, c2)
    }
}

/// The two powers SBX takes, x^(η+1) (of 1/β) and x^(1/(η+1)), prepared once.
struct SpreadPowers: Sendable {
    let tail: PortableMath.Power
    let root: PortableMath.Power

    init(eta: Double) {
        tail = PortableMath.Power(eta + 1)
        root = PortableMath.Power(1 / (eta + 1))
    }
}
