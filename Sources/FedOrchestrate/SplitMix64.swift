/// The module's own seeded generator (SplitMix64: Steele, Lea & Flood 2014, constants of Vigna's
/// `splitmix64.c`). Internal, so it never clashes with another module's generator of that name.
///
/// Draws are keyed rather than streamed: `SplitMix64(key: seed, round, …)` starts a fresh
/// generator for one decision, so a decision depends only on its key, not on the order in which
/// concurrent participants happen to ask.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for one decision, seeded from every part of its key.
    init(key parts: UInt64...) {
        var h: UInt64 = 0x6A09_E667_F3BC_C908
        for part in parts {
            var g = SplitMix64(seed: h ^ part)
            h = g.next()
        }
        state = h
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1): the top 53 bits scaled by 2⁻⁵³.
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform integer in 0..<bound (Lemire's multiply-shift with rejection).
    mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// FNV-1a of the UTF-8 bytes: a key part for a name that is the same in every process
    /// (Swift's `Hasher` is seeded per process).
    static func key(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
