import FedTrain
import Foundation
import Testing

@Suite("Federated split")
struct SplitTests {
    let data = Dataset.wdbc

    func benignShare(_ p: ParticipantData) -> Double {
        Double(p.classCounts[1]) / Double(p.sampleCount)
    }

    @Test("the same seed gives the same split; another seed another")
    func deterministic() throws {
        let a = try FederatedSplit(participants: 3, seed: 7).allParticipants()
        let b = try FederatedSplit(participants: 3, seed: 7).allParticipants()
        #expect(a == b)
        let c = try FederatedSplit(participants: 3, seed: 8).allParticipants()
        #expect(a.map(\.trainIndices) != c.map(\.trainIndices))
        // Asking for one participant gives what the full split gives it.
        for i in 0..<3 {
            #expect(try FederatedSplit(participants: 3, seed: 7).participant(i) == a[i])
        }
    }

    @Test("disjoint, and together every sample exactly once", arguments: [1, 2, 3, 5, 10])
    func coverage(participants: Int) throws {
        let split = FederatedSplit(participants: participants, seed: 7)
        let parts = try split.allParticipants()
        #expect(parts.count == participants)
        var seen = [Int](repeating: 0, count: data.count)
        for (i, p) in parts.enumerated() {
            #expect(p.index == i)
            #expect(Set(p.trainIndices).isDisjoint(with: p.validationIndices))
            #expect(p.sampleCount >= split.minimumSamples)
            #expect(!p.validation.labels.isEmpty)
            for r in p.trainIndices + p.validationIndices { seen[r] += 1 }
            // The split's data are the source rows, scaled.
            #expect(p.train.labels == p.trainIndices.map { data.labels[$0] })
            #expect(p.validation.labels == p.validationIndices.map { data.labels[$0] })
            let rawFirst = Array(data.row(p.trainIndices[0]))
            let expected = zip(rawFirst.indices, rawFirst).map { (rawFirst[$0.0] - p.transform.shift[$0.0]) * p.transform.factor[$0.0] }
            #expect(Array(p.train.row(0)) == expected)
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test("label skew: α = 0.5 gives different label mixes, a large α nearly the same")
    func nonIID() throws {
        let skewed = try FederatedSplit(participants: 3, seed: 7).allParticipants().map(benignShare)
        #expect(skewed.max()! - skewed.min()! > 0.3, "benign shares \(skewed)")
        // Over several seeds too (not one lucky draw).
        for seed in UInt64(1)...5 {
            let s = try FederatedSplit(participants: 3, seed: seed).allParticipants().map(benignShare)
            #expect(s.max()! - s.min()! > 0.15, "seed \(seed): benign shares \(s)")
        }
        // The same measure on a nearly IID split stays small, so it is the α that skews.
        let iid = try FederatedSplit(participants: 3, seed: 7, alpha: 10_000).allParticipants().map(benignShare)
        #expect(iid.max()! - iid.min()! < 0.1, "benign shares \(iid)")
    }

    @Test("validation is a stratified 20 %")
    func stratified() throws {
        for p in try FederatedSplit(participants: 3, seed: 7).allParticipants() {
            for c in 0..<2 where p.classCounts[c] >= 2 {
                let expected = Int((0.2 * Double(p.classCounts[c])).rounded())
                #expect(p.validation.classCounts[c] == min(expected, p.classCounts[c] - 1))
            }
        }
        let central = try FederatedSplit.centralised(seed: 7).participant(0)
        // round(0.2 × 212) + round(0.2 × 357) = 42 + 71
        #expect(central.train.count == 456 && central.validation.count == 113)
        #expect(central.validation.classCounts == [42, 71])
    }

    @Test("every participant gets the minimum, also with many participants")
    func minimum() throws {
        let split = FederatedSplit(participants: 10, seed: 7, minimumSamples: 25)
        for p in try split.allParticipants() { #expect(p.sampleCount >= 25) }
    }

    @Test("impossible or invalid requests are errors")
    func errors() {
        #expect(throws: SplitError.self) { _ = try FederatedSplit(participants: 0, seed: 1).allParticipants() }
        #expect(throws: SplitError.self) { _ = try FederatedSplit(participants: 30, seed: 1).allParticipants() }  // 30 × 20 > 569
        #expect(throws: SplitError.self) { _ = try FederatedSplit(participants: 3, seed: 1).participant(3) }
        #expect(throws: SplitError.self) { _ = try FederatedSplit(participants: 3, seed: 1, alpha: 0).allParticipants() }
        #expect(throws: SplitError.self) { _ = try FederatedSplit(participants: 3, seed: 1, validationFraction: 1).allParticipants() }
        // A tiny α with a high minimum cannot be met in few attempts.
        #expect(throws: SplitError.self) {
            _ = try FederatedSplit(participants: 5, seed: 1, alpha: 0.01, minimumSamples: 100, maxAttempts: 20).allParticipants()
        }
    }
}

@Suite("Seeded generator")
struct GeneratorTests {
    @Test("reproducible, and its draws have the right means")
    func draws() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        var g = SeededGenerator(seed: 1)
        let n = 20_000
        let u = (0..<n).map { _ in g.nextUniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / Double(n) - 0.5) < 0.01)
        for shape in [0.5, 2.0] {
            let x = (0..<n).map { _ in g.nextGamma(shape: shape) }
            #expect(abs(x.reduce(0, +) / Double(n) - shape) < 0.05 * shape + 0.02, "Gamma(\(shape)) mean")
        }
        let d = g.nextDirichlet(alpha: 0.5, count: 4)
        #expect(abs(d.reduce(0, +) - 1) < 1e-12 && d.allSatisfy { $0 >= 0 })
        let ints = (0..<n).map { _ in g.nextInt(below: 3) }
        #expect(Set(ints) == [0, 1, 2])
        var perm = Array(0..<50)
        g.shuffle(&perm)
        #expect(perm.sorted() == Array(0..<50) && perm != Array(0..<50))
        #expect(RoundContext.taskSeed(runSeed: 7, round: 1, participantIndex: 0)
                != RoundContext.taskSeed(runSeed: 7, round: 1, participantIndex: 1))
        #expect(RoundContext.taskSeed(runSeed: 7, round: 1, participantIndex: 0)
                != RoundContext.taskSeed(runSeed: 7, round: 2, participantIndex: 0))
    }
}
