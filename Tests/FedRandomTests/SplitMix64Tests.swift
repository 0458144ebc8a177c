import Testing
import FedRandom

@Suite struct SplitMix64Tests {
    @Test func matchesTheReferenceImplementation() {
        // Vigna's splitmix64.c seeded with 1234567.
        var rng = SplitMix64(seed: 1_234_567)
        let expected: [UInt64] = [
            6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
            4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
        ]
        #expect((0..<5).map { _ in rng.next() } == expected)
    }

    @Test func sameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test func unitDoublesStayInTheHalfOpenInterval() {
        var rng = SplitMix64(seed: 7)
        let values = (0..<10_000).map { _ in rng.nextUnit() }
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(mean - 0.5) < 0.02)
    }

    @Test func boundedIntegersCoverEveryValueAndNothingElse() {
        var rng = SplitMix64(seed: 9)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<7_000 { counts[rng.nextInt(below: 7)] += 1 }
        #expect(counts.allSatisfy { $0 > 850 && $0 < 1_150 })
        #expect((0..<100).allSatisfy { _ in rng.nextInt(below: 1) == 0 })
    }

    @Test func permutationsArePermutations() {
        var rng = SplitMix64(seed: 3)
        let p = rng.permutation(50)
        #expect(p.sorted() == Array(0..<50))
        #expect(p != Array(0..<50))
        #expect(rng.permutation(0).isEmpty)
    }
}
