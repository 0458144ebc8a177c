import FedRandom
import Testing

/// The three copies SplitMix64 once had (FedOptimize's, FedOrchestrate's keyed one, FedTrain's
/// seeding and `derive`), kept here verbatim as references: the shared generator must give the
/// very same streams, or the optimizer's fronts, the orchestrator simulation and the trained
/// models would change.
@Suite struct SharedStreamTests {
    /// FedOrchestrate's former `SplitMix64(key:)`.
    static func orchestrateKey(_ parts: [UInt64]) -> UInt64 {
        var h: UInt64 = 0x6A09_E667_F3BC_C908
        for part in parts { h = splitMix(state: h ^ part) }
        return h
    }

    /// FedTrain's former `SeededGenerator.splitMix` and `derive`.
    static func trainSplitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func trainDerive(_ base: UInt64, _ parts: [Int]) -> UInt64 {
        var state = base
        var h = trainSplitMix(&state)
        for p in parts {
            state = h ^ UInt64(bitPattern: Int64(p))
            h = trainSplitMix(&state)
        }
        return h
    }

    static func splitMix(state: UInt64) -> UInt64 {
        var s = state
        return trainSplitMix(&s)
    }

    /// FedOrchestrate's former FNV-1a `key`.
    static func fnv(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    @Test func keyedGeneratorsMatchTheOrchestratorsFormerOnes() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<200 {
            let parts = (0..<(1 + rng.nextInt(below: 4))).map { _ in rng.next() }
            var keyed = SplitMix64(key: parts[0])
            if parts.count > 1 { keyed = Self.keyed(parts) }
            #expect(keyed.state == Self.orchestrateKey(parts))
        }
        // As FailureModel and BaselineAssignment call it: seed, round, then names.
        let k = SplitMix64(key: 3, 17, SplitMix64.key("hospital-asia"), SplitMix64.key("vm-002"))
        #expect(k.state == Self.orchestrateKey([3, 17, Self.fnv("hospital-asia"), Self.fnv("vm-002")]))
        #expect(SplitMix64.key("") == 0xCBF2_9CE4_8422_2325 && SplitMix64.key("vm-001") == Self.fnv("vm-001"))
    }

    static func keyed(_ parts: [UInt64]) -> SplitMix64 {
        switch parts.count {
        case 2: return SplitMix64(key: parts[0], parts[1])
        case 3: return SplitMix64(key: parts[0], parts[1], parts[2])
        default: return SplitMix64(key: parts[0], parts[1], parts[2], parts[3])
        }
    }

    @Test func mixingMatchesTheTrainersFormerDerive() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<200 {
            let base = rng.next()
            let parts = (0..<rng.nextInt(below: 4)).map { _ in Int(bitPattern: UInt(rng.next())) }
            let mixed = SplitMix64.mixing([base] + parts.map { UInt64(bitPattern: Int64($0)) })
            #expect(mixed == Self.trainDerive(base, parts))
        }
        #expect(SplitMix64.mixing([]) == 0 && SplitMix64.mixing([], from: 42) == 42)
    }

    @Test func streamsMatchTheFormerSeedingSequence() {
        // FedTrain filled xoshiro256**'s four words with four SplitMix64 outputs from the seed.
        for seed: UInt64 in [0, 1, 9, 42, 0xFEDA_5EED, .max] {
            var state = seed
            var g = SplitMix64(seed: seed)
            for _ in 0..<8 { #expect(g.next() == Self.trainSplitMix(&state)) }
            #expect(g.state == state)
        }
    }

    @Test func drawsAreTheDocumentedArithmetic() {
        var a = SplitMix64(seed: 77), b = SplitMix64(seed: 77)
        for _ in 0..<1000 {
            #expect(a.nextUnit() == Double(b.next() >> 11) * 0x1.0p-53)
        }
        // Fisher–Yates from the last element down, one bounded draw per position.
        var c = SplitMix64(seed: 8), d = SplitMix64(seed: 8)
        var values = Array(0..<20)
        c.shuffle(&values)
        var expected = Array(0..<20)
        for i in stride(from: 19, to: 0, by: -1) { expected.swapAt(i, d.nextInt(below: i + 1)) }
        #expect(values == expected)
        #expect(c == d)
    }
}
