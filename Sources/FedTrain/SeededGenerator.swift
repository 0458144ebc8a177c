import FedRandom
import Foundation

/// FedTrain's generator: xoshiro256** (Blackman & Vigna), its state filled by the project's
/// `SplitMix64` from the seed, with the portable draws of `SeededRandom`.
///
/// Everything random in FedTrain (the federated split, weight initialisation, minibatch order)
/// draws from this generator through the helpers below, never through the standard library's
/// `shuffle(using:)` or `random(in:using:)`, whose algorithms are not promised to stay the same
/// across Swift releases: the same seed gives the same split and the same model on every platform
/// and toolchain.
public struct SeededGenerator: SeededRandom, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1), 53 random bits (`nextUnit()`).
    public mutating func nextUniform() -> Double { nextUnit() }

    /// Standard normal, by Box–Muller (one of the pair is used).
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextUniform()  // (0, 1]
        let u2 = nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Gamma(shape, 1), by Marsaglia and Tsang (2000); shapes below 1 use the boost
    /// Gamma(shape) = Gamma(shape + 1) · U^(1/shape).
    public mutating func nextGamma(shape: Double) -> Double {
        precondition(shape > 0)
        if shape < 1 {
            let g = nextGamma(shape: shape + 1)
            let u = 1 - nextUniform()
            return g * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = nextNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = 1 - nextUniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }

    /// A draw from the symmetric Dirichlet(alpha, …, alpha) over `count` categories.
    public mutating func nextDirichlet(alpha: Double, count: Int) -> [Double] {
        precondition(count > 0)
        var g = (0..<count).map { _ in nextGamma(shape: alpha) }
        var total = g.reduce(0, +)
        if total <= 0 || !total.isFinite {
            // Every gamma underflowed (tiny alpha): put all the mass on one category at random.
            g = [Double](repeating: 0, count: count)
            g[nextInt(below: count)] = 1
            total = 1
        }
        return g.map { $0 / total }
    }

    /// Derives an independent seed from a base seed and a few integers (e.g. the run seed, the
    /// round and the participant index), so each (round, participant) task shuffles differently
    /// but reproducibly.
    public static func derive(_ base: UInt64, _ parts: Int...) -> UInt64 {
        SplitMix64.mixing([base] + parts.map { UInt64(bitPattern: Int64($0)) })
    }
}
