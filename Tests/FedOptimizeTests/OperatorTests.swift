import FedRandom
import Foundation
import Testing
@testable import FedOptimize

@Suite struct OperatorTests {
    static let mixed: [Variable] = [.real(-2...3), .integer(0...9), .categorical(4), .real(1...1)]

    static func isValid(_ x: [Double], _ variables: [Variable]) -> Bool {
        zip(x, variables).allSatisfy { value, v in
            guard value >= v.lower && value <= v.upper else { return false }
            if case .real = v.kind { return true }
            return value == value.rounded()
        }
    }

    @Test func samplingStaysInBoundsAndOnAllowedValues() {
        var rng = SplitMix64(seed: 1)
        let xs = UniformSampling().sample(Self.mixed, count: 2_000, using: &rng)
        #expect(xs.count == 2_000)
        #expect(xs.allSatisfy { Self.isValid($0, Self.mixed) })
        // Every integer and every category is drawn, the end values included.
        #expect(Set(xs.map { $0[1] }) == Set((0...9).map(Double.init)))
        #expect(Set(xs.map { $0[2] }) == [0, 1, 2, 3])
    }

    @Test func sbxChildrenAreValidAndCentredOnTheParents() {
        var rng = SplitMix64(seed: 2)
        let sbx = SBX()
        let p1: [Double] = [-1, 2, 0, 1], p2: [Double] = [2, 7, 3, 1]
        var sum = 0.0
        for _ in 0..<2_000 {
            let (a, b) = sbx.cross(p1, p2, variables: Self.mixed, using: &rng)
            #expect(Self.isValid(a, Self.mixed) && Self.isValid(b, Self.mixed))
            // Categorical genes are only ever swapped.
            #expect(Set([a[2], b[2]]) == [0, 3])
            sum += a[0] + b[0]
        }
        // SBX is mean-preserving away from the bounds: children average the parents.
        #expect(abs(sum / 4_000 - 0.5) < 0.05)
    }

    // Expected children from pymoo 0.6.2's own formulas (cross_sbx / mut_pm) for fixed uniforms.
    @Test(arguments: [
        (0.2, 0.3, 0.0, 1.0, 0.3, 0.20157111641837847, 0.29842888358163144),
        (0.2, 0.3, 0.0, 1.0, 0.97, 0.19038774491180885, 0.3096122550885859),
        (0.85, 0.95, 0.0, 1.0, 0.8, 0.8470530125509925, 0.9529468864622804),
        (-1.0, 2.0, -2.0, 3.0, 0.01, -0.6746319373058418, 1.6746319373058418),
    ])
    func sbxChildrenMatchPymoosFormula(_ c: (Double, Double, Double, Double, Double, Double, Double)) {
        let (c1, c2) = SBX(eta: 15).children(c.0, c.1, c.2, c.3, u: c.4)
        #expect(abs(c1 - c.5) < 1e-12 && abs(c2 - c.6) < 1e-12, "\(c1), \(c2)")
    }

    @Test(arguments: [
        (0.5, 0.0, 1.0, 0.1, 0.4262234101577673),
        (0.5, 0.0, 1.0, 0.93, 0.5893751641097247),
        (0.02, 0.0, 1.0, 0.01, 0.0004907584544997338),
        (2.5, -2.0, 3.0, 0.6, 2.5464864236238025),
    ])
    func polynomialStepMatchesPymoosFormula(_ c: (Double, Double, Double, Double, Double)) {
        let mutation = PolynomialMutation(eta: 20)
        let powers = (PortableMath.Power(21), PortableMath.Power(1.0 / 21))
        #expect(abs(mutation.mutated(c.0, c.1, c.2, u: c.3, powers) - c.4) < 1e-12)
    }

    @Test func sbxWithProbabilityZeroCopiesTheParents() {
        var rng = SplitMix64(seed: 3)
        let (a, b) = SBX(probability: 0).cross([0.1, 0.2], [0.3, 0.4], variables: [.real(0...1), .real(0...1)], using: &rng)
        #expect(a == [0.1, 0.2] && b == [0.3, 0.4])
    }

    @Test func sbxSpreadMatchesItsDistributionIndex() {
        // For parents far from the bounds the spread factor β of child 1 has P(β ≤ 1) = ½.
        var rng = SplitMix64(seed: 4)
        let sbx = SBX(probability: 1, eta: 15, variableProbability: 1)
        var contracting = 0
        for _ in 0..<4_000 {
            let (a, b) = sbx.cross([0.45], [0.55], variables: [.real(-100...100)], using: &rng)
            if abs(a[0] - b[0]) <= 0.1 + 1e-12 { contracting += 1 }
        }
        #expect(abs(Double(contracting) / 4_000 - 0.5) < 0.04)
    }

    @Test func polynomialMutationStaysValidAndChangesAboutOneGene() {
        var rng = SplitMix64(seed: 5)
        let variables = [Variable](repeating: .real(0...1), count: 20)
        var changed = 0
        for _ in 0..<1_000 {
            var x = [Double](repeating: 0.5, count: 20)
            PolynomialMutation().mutate(&x, variables: variables, using: &rng)
            #expect(x.allSatisfy { $0 >= 0 && $0 <= 1 })
            changed += x.filter { $0 != 0.5 }.count
        }
        #expect(abs(Double(changed) / 1_000 - 1) < 0.15)
    }

    @Test func mutationOfDiscreteGenes() {
        var rng = SplitMix64(seed: 6)
        let always = PolynomialMutation(variableProbability: 1)
        for _ in 0..<500 {
            var x: [Double] = [0.5, 4, 2, 1]
            always.mutate(&x, variables: Self.mixed, using: &rng)
            #expect(Self.isValid(x, Self.mixed))
            #expect(x[2] != 2, "a categorical reset always picks another choice")
            #expect(x[3] == 1, "a fixed variable never moves")
        }
    }

    @Test func mutationSitesHitEachGeneWithTheGivenProbability() {
        var rng = SplitMix64(seed: 9)
        var hits = [Int](repeating: 0, count: 10)
        for _ in 0..<20_000 {
            var sites = MutationSites(probability: 0.2, count: 10)
            var previous = -1
            while let i = sites.next(using: &rng) {
                #expect(i > previous && i < 10)
                previous = i
                hits[i] += 1
            }
        }
        #expect(hits.allSatisfy { abs(Double($0) / 20_000 - 0.2) < 0.015 })
        var all = MutationSites(probability: 1, count: 4), none = MutationSites(probability: 0, count: 4)
        #expect(Array(sequence(state: 0) { _ in all.next(using: &rng) }) == [0, 1, 2, 3])
        #expect(none.next(using: &rng) == nil)
    }

    @Test func portableMathAgreesWithLibm() {
        var rng = SplitMix64(seed: 8)
        for _ in 0..<2_000 {
            let x = Foundation.exp(40 * rng.nextUnit() - 20)
            let y = 60 * rng.nextUnit() - 30
            #expect(abs(PortableMath.log(x) - Foundation.log(x)) <= 4e-16 * max(1, abs(Foundation.log(x))))
            #expect(abs(PortableMath.exp(y) - Foundation.exp(y)) <= 4e-16 * Foundation.exp(y))
            let p = PortableMath.pow(x, y / 30)
            #expect(abs(p - Foundation.pow(x, y / 30)) <= 1e-14 * p)
        }
        #expect(PortableMath.pow(0, 21) == 0 && PortableMath.pow(3, 0) == 1)
        #expect(PortableMath.pow(2, 10) == 1_024 && PortableMath.pow(2, -2) == 0.25)
        #expect(PortableMath.pow(65_536, 1.0 / 16) == 2)
        #expect(PortableMath.exp(-800) == 0 && PortableMath.exp(800) == .infinity)
        // The paired form gives exactly what two single calls give, on every path.
        for y in [16.0, -16, 1.0 / 16, 1.0 / 21, 2.5] {
            let power = PortableMath.Power(y)
            let (a, b) = power.pair(0.3, 1.7)
            #expect(a == power(0.3) && b == power(1.7))
        }
    }
}
