/// Exact membership of gene vectors, for duplicate elimination.
///
/// Open addressing with a fixed, seedless hash: Swift's `Set` would do, but its per-process
/// seeded SipHash over every gene cost more than the rest of a generation's bookkeeping.
struct GeneSet {
    private var slots: [Int]          // -1 = empty, otherwise an index into `genes`
    private var genes: [[Double]] = []
    private var hashes: [Int] = []
    private var mask: Int

    init(minimumCapacity: Int = 16) {
        var size = 16
        while size < 2 * minimumCapacity { size <<= 1 }
        slots = [Int](repeating: -1, count: size)
        mask = size - 1
    }

    /// Adds `x`; false if an equal vector was already there.
    mutating func insert(_ x: [Double]) -> Bool {
        insert(x, hash: Self.hash(x))
    }

    /// Adds `x` whose `hash(x)` is already known.
    mutating func insert(_ x: [Double], hash: Int) -> Bool {
        var slot = hash & mask
        while slots[slot] >= 0 {
            if genes[slots[slot]] == x { return false }
            slot = (slot + 1) & mask
        }
        slots[slot] = genes.count
        genes.append(x)
        hashes.append(hash)
        if 2 * genes.count > slots.count { grow() }
        return true
    }

    private mutating func grow() {
        slots = [Int](repeating: -1, count: 2 * slots.count)
        mask = slots.count - 1
        for (i, hash) in hashes.enumerated() {
            var slot = hash & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = i
        }
    }

    static func hash(_ x: [Double]) -> Int {
        // Two interleaved lanes halve the multiply chain's latency.
        var even: UInt64 = 0x243F_6A88_85A3_08D3
        var odd: UInt64 = 0x1319_8A2E_0370_7344
        var i = 0
        while i + 1 < x.count {
            even = (even ^ bits(x[i])) &* 0x9E37_79B9_7F4A_7C15
            odd = (odd ^ bits(x[i + 1])) &* 0xC2B2_AE3D_27D4_EB4F
            i += 2
        }
        if i < x.count { even = (even ^ bits(x[i])) &* 0x9E37_79B9_7F4A_7C15 }
        let h = even ^ (odd >> 17 | odd << 47)
        // The multiplies push entropy upward; fold it back into the low bits used.
        return Int(truncatingIfNeeded: h ^ (h >> 32) ^ (h >> 47))
    }

    /// +0 and −0 are equal genes, so they must hash alike: adding +0 turns −0 into +0 and
    /// leaves every other value as it is.
    private static func bits(_ v: Double) -> UInt64 {
        (v + 0.0).bitPattern
    }
}
