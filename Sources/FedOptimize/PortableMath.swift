/// `exp`, `log` and `pow` from IEEE +, −, ×, ÷ only, so the variation operators give the
/// same bits on every machine. The platform libm does not promise that: glibc picks an
/// FMA or non-FMA `pow` by CPU, and Apple's libm is a different implementation. Accuracy is a
/// few ulps, far more than SBX and polynomial mutation need.
enum PortableMath {
    private static let ln2Hi = 6.93147180369123816490e-01   // ln 2, upper bits
    private static let ln2Lo = 1.90821492927058770002e-10   // ln 2 − ln2Hi

    /// Natural logarithm for finite x > 0.
    static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log needs a finite positive argument")
        // x = m · 2^e with m in [√½, √2), so |s| below ≈ 0.172 and the series converges fast.
        var e = Int(x.exponent)
        var m = x.significand   // in [1, 2)
        if m > 1.4142135623730951 {
            m *= 0.5
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let z = s * s
        // log m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + … + s²¹/21), the rest below 1e-18.
        let tail = 0.3333333333333333 + z * (0.2 + z * (0.14285714285714285 + z * (0.1111111111111111
            + z * (0.09090909090909091 + z * (0.07692307692307693 + z * (0.06666666666666667
            + z * (0.058823529411764705 + z * (0.05263157894736842 + z * 0.047619047619047616))))))))
        let sum = s + s * z * tail
        let fe = Double(e)
        return fe * ln2Hi + (fe * ln2Lo + 2 * sum)
    }

    /// e^x; underflows to 0 and overflows to +∞ like libm.
    static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782712893384 { return .infinity }
        if x < -745.1332191019412 { return 0 }
        // x = k·ln2 + r with |r| ≤ ½ln2, then e^x = 2^k · e^r.
        let k = (x / 0.6931471805599453).rounded(.toNearestOrEven)
        let r = (x - k * ln2Hi) - k * ln2Lo
        // Taylor series of e^r to r¹³/13! (the rest is below 4e-18 for |r| ≤ ½ln2), by Horner.
        let sum = 1 + r * (1 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664
            + r * (0.008333333333333333 + r * (0.001388888888888889 + r * (0.0001984126984126984
            + r * (2.48015873015873e-05 + r * (2.7557319223985893e-06 + r * (2.755731922398589e-07
            + r * (2.505210838544172e-08 + r * (2.08767569878681e-09 + r * 1.6059043836821613e-10))))))))))))
        return scaled(sum, byPowerOfTwo: Int(k))
    }

    /// x^y for x ≥ 0 (0^y is 0 for y > 0, 1 for y = 0, +∞ for y < 0).
    static func pow(_ x: Double, _ y: Double) -> Double {
        Power(y)(x)
    }

    /// x ↦ x^y for one fixed y, with the way to compute it chosen once.
    ///
    /// The operators' exponents are mostly η+1 and 1/(η+1) with a whole η, so two fast
    /// exact-arithmetic paths exist besides exp(y·log x): whole exponents by repeated
    /// squaring, and 1/2ᵏ by k square roots (IEEE square root is correctly rounded, hence
    /// portable too).
    struct Power: Sendable {
        private enum Method: Sendable {
            case whole(Int)         // |y| whole, ≤ 64
            case root(Int)          // y = 1/2ᵏ, k ≤ 6
            case general(Double)
        }

        private let method: Method
        private let inverted: Bool

        init(_ y: Double) {
            inverted = y < 0
            let magnitude = abs(y)
            let inverse = 1 / magnitude
            // Whole-number tests by conversion: `rounded()` is a libm call on baseline x86-64.
            if magnitude <= 64 && Double(Int(magnitude)) == magnitude {
                method = .whole(Int(magnitude))
            } else if inverse <= 64 && Double(Int(inverse)) == inverse && Int(inverse).nonzeroBitCount == 1 {
                method = .root(Int(inverse).trailingZeroBitCount)
            } else {
                method = .general(magnitude)
            }
        }

        @inline(__always)
        func callAsFunction(_ x: Double) -> Double {
            precondition(x >= 0, "pow here is only defined for x ≥ 0")
            var a: Double
            switch method {
            case .whole(let n):
                a = 1
                var base = x
                var n = n
                while n > 0 {
                    if n & 1 == 1 { a *= base }
                    base *= base
                    n >>= 1
                }
            case .root(let k):
                a = x
                for _ in 0..<k { a = a.squareRoot() }
            case .general(let y):
                a = x == 0 ? 0 : x == 1 ? 1 : exp(y * log(x))
            }
            return inverted ? 1 / a : a
        }

        /// x^y and z^y computed in lockstep, so the two dependency chains overlap.
        @inline(__always)
        func pair(_ x: Double, _ z: Double) -> (Double, Double) {
            precondition(x >= 0 && z >= 0, "pow here is only defined for x ≥ 0")
            var a: Double, b: Double
            switch method {
            case .whole(let n):
                (a, b) = (1, 1)
                var (baseA, baseB) = (x, z)
                var n = n
                while n > 0 {
                    if n & 1 == 1 { a *= baseA; b *= baseB }
                    baseA *= baseA
                    baseB *= baseB
                    n >>= 1
                }
            case .root(let k):
                (a, b) = (x, z)
                for _ in 0..<k {
                    a = a.squareRoot()
                    b = b.squareRoot()
                }
            case .general(let y):
                a = x == 0 ? 0 : x == 1 ? 1 : exp(y * log(x))
                b = z == 0 ? 0 : z == 1 ? 1 : exp(y * log(z))
            }
            return inverted ? (1 / a, 1 / b) : (a, b)
        }
    }

    /// value · 2^k, split in two steps so a subnormal result is not lost to an out-of-range
    /// power of two.
    static func scaled(_ value: Double, byPowerOfTwo k: Int) -> Double {
        if k > 1000 || k < -1000 {
            let half = k / 2
            return value * Double(sign: .plus, exponent: half, significand: 1)
                * Double(sign: .plus, exponent: k - half, significand: 1)
        }
        return value * Double(sign: .plus, exponent: k, significand: 1)
    }
}
