/// The project's one seeded generator: SplitMix64 (Steele, Lea & Flood 2014; the constants of
/// Vigna's reference `splitmix64.c`).
///
/// FedOptimize draws every NSGA-II decision from one, FedOrchestrate keys one per decision
/// (`init(key:)`), and FedTrain seeds its xoshiro256** state and derives per-task seeds with it.
/// The draws in `SeededRandom` use fixed arithmetic rather than the standard library's
/// `random(in:using:)`, whose algorithms are not promised to stay the same across Swift
/// releases, so a seed fixes a stream bit for bit on every machine and toolchain.
@frozen
public struct SplitMix64: SeededRandom, Sendable, Hashable {
    @usableFromInline var _state: UInt64

    /// The generator's whole state: the next `next()` returns the mix of `state + γ`.
    @inlinable public var state: UInt64 { _state }

    @inlinable
    public init(seed: UInt64) {
        _state = seed
    }

    /// A generator for one decision, seeded from every part of its key (`mixing(parts, from:)`
    /// with a fixed start), so a decision depends only on its key, not on the order in which
    /// concurrent callers happen to ask.
    @inlinable
    public init(key parts: UInt64...) {
        _state = Self.mixing(parts, from: Self.keyStart)
    }

    /// The first 64 fractional bits of √2 (as SHA-512's first word): the start of `init(key:)`.
    public static let keyStart: UInt64 = 0x6A09_E667_F3BC_C908

    @inlinable
    public mutating func next() -> UInt64 {
        _state &+= 0x9E37_79B9_7F4A_7C15
        var z = _state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Folds `parts` into one 64-bit seed: h ← first output of SplitMix64(seed: h ^ part), for
    /// each part in order, starting from `start`. Order matters; every bit of every part does.
    @inlinable
    public static func mixing(_ parts: [UInt64], from start: UInt64 = 0) -> UInt64 {
        var h = start
        for part in parts {
            var g = SplitMix64(seed: h ^ part)
            h = g.next()
        }
        return h
    }

    /// FNV-1a of the UTF-8 bytes: a key part for a name that is the same in every process
    /// (Swift's `Hasher` is seeded per process).
    public static func key(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
