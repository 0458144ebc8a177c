/// Portable draws from any 64-bit generator: the same `next()` outputs give the same doubles,
/// integers and permutations on every platform and Swift release (unlike the standard library's
/// `random(in:using:)` and `shuffle(using:)`, whose algorithms may change).
public protocol SeededRandom: RandomNumberGenerator {}

extension SeededRandom {
    /// A uniform double in [0, 1): the top 53 bits scaled by 2⁻⁵³.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-shift with rejection, so unbiased).
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// True with probability `probability`.
    @inlinable
    public mutating func nextBool(probability: Double) -> Bool {
        nextUnit() < probability
    }

    /// A uniformly random permutation of 0..<count (Fisher–Yates).
    @inlinable
    public mutating func permutation(_ count: Int) -> [Int] {
        var values = Array(0..<count)
        shuffle(&values)
        return values
    }

    /// Shuffles in place with this generator's own Fisher–Yates (from the last element down).
    @inlinable
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { values.swapAt(i, j) }
        }
    }
}
