import FedRandom
import Testing
@testable import FedOptimize

/// Hierarchical placement: the canonical form of a layout, its objectives by hand, and NSGA-II's
/// front against the exhaustive one on small instances (6 participants, ≤ 2 regional aggregators).
@Suite struct HierarchicalPlacementTests {
    /// Random but fixed instances: sites in 2–3 clouds, coarse numbers so ties happen.
    static func instance(seed: UInt64, sites: Int, participants: Int = 6, maxRegional: Int = 2,
                         objectives: [HierarchyInstance.Objective] = [.cost, .latency]) -> HierarchyInstance {
        var rng = SplitMix64(seed: seed)
        let s = (0..<sites).map { _ in
            HierarchyInstance.Site(computeCost: Double(1 + rng.nextInt(below: 20)), egressPricePerGB: Double(rng.nextInt(below: 4)) / 10,
                                   vcpu: [2, 4, 8][rng.nextInt(below: 3)], carbonKg: Double(rng.nextInt(below: 10)), cloud: rng.nextInt(below: 3))
        }
        let pm = (0..<participants).map { _ in (0..<sites).map { _ in Double(10 + rng.nextInt(below: 300)) } }
        var sm = [[Double]](repeating: [Double](repeating: 1, count: sites), count: sites)
        for a in 0..<sites { for b in (a + 1)..<max(a + 1, sites) { sm[a][b] = Double(5 + rng.nextInt(below: 150)); sm[b][a] = sm[a][b] } }
        return HierarchyInstance(sites: s, participantClouds: (0..<participants).map { _ in rng.nextInt(below: 3) },
                                 participantMs: pm, siteMs: sm, maxRegional: maxRegional, gbPerLinkPerRun: 2,
                                 aggregationMsPerChildPerVcpu: 20, objectives: objectives)
    }

    @Test func repairRenumbersSlotsByFirstUseAndClearsUnusedOnes() {
        let p = HierarchicalPlacementProblem(Self.instance(seed: 1, sites: 3))
        // global 2; slot sites 1, 2; participants use slot 2, direct, slot 2, slot 1, direct, slot 1.
        var x: [Double] = [2, 1, 2, 2, 0, 2, 1, 0, 1]
        p.repair(&x)
        #expect(x == [2, 2, 1, 1, 0, 1, 2, 0, 2])
        var unused: [Double] = [0, 2, 1, 0, 0, 0, 0, 0, 0]
        p.repair(&unused)
        #expect(unused == [0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(p.layout([2, 1, 2, 2, 0, 2, 1, 0, 1]) == HierarchicalLayout(global: 2, regional: [2, 1], parent: [0, nil, 0, 1, nil, 1]))
    }

    @Test func objectivesOfALayoutByHand() {
        let sites = [
            HierarchyInstance.Site(computeCost: 10, egressPricePerGB: 0.1, vcpu: 2, carbonKg: 3, cloud: 0),
            HierarchyInstance.Site(computeCost: 4, egressPricePerGB: 0.2, vcpu: 4, carbonKg: 1, cloud: 1),
        ]
        let inst = HierarchyInstance(sites: sites, participantClouds: [0, 1, 1], participantMs: [[50, 100], [200, 20], [210, 30]],
                                     siteMs: [[1, 80], [80, 1]], maxRegional: 1, gbPerLinkPerRun: 5, aggregationMsPerChildPerVcpu: 8,
                                     objectives: [.cost, .latency, .carbon, .egress])
        let p = HierarchicalPlacementProblem(inst)
        // Global at site 0 serving participant 0 and a regional at site 1 serving participants 1 and 2.
        let m = p.measures(HierarchicalLayout(global: 0, regional: [1], parent: [nil, 0, 0]))
        // cost: compute 10 + 4; links: p0→global 5 GB × 0.1, regional→global 5 × 0.1, p1,p2→regional 2 × 5 × 0.2.
        let expectedCost: Double = 17
        #expect(abs(m[0] - expectedCost) < 1e-12)
        // latency: regional path max(20, 30) + 8 × 2 / 4 + 80, global aggregation 8 × 2 / 2.
        let expectedLatency: Double = 122   // max(50, 30 + 4 + 80) + 8
        #expect(m[1] == expectedLatency)
        #expect(m[2] == 4)
        // egress across clouds: only the regional (cloud 1) ↔ global (cloud 0) link.
        #expect(m[3] == 5)
        // Flat at site 0: every participant direct.
        let flat = p.measures(HierarchicalLayout(global: 0, regional: [], parent: [nil, nil, nil]))
        let expectedFlat: [Double] = [11.5, 222, 3, 10]   // 10 + 3 × 0.5; 210 + 8 × 3 / 2
        #expect(flat == expectedFlat)
    }

    // Small discrete spaces fill up with duplicates late in a run: 10 mating rounds per
    // generation (not 100) keep the test quick without changing what the search can reach.
    @Test(arguments: [(UInt64(1), 3), (2, 3), (3, 4), (5, 3)])
    func nsga2FrontEqualsTheExhaustiveFront(seed: UInt64, sites: Int) {
        let p = HierarchicalPlacementProblem(Self.instance(seed: seed, sites: sites))
        let exact = p.exhaustiveFront()
        let found = p.front(of: NSGA2(populationSize: 100, generations: 200, seed: 7, maxMatingRounds: 10).run(p))
        #expect(!exact.isEmpty)
        #expect(found.map(\.objectives) == exact.map(\.objectives), "seed \(seed): exact \(exact.count) points, found \(found.count)")
    }

    @Test func threeObjectivesWithLimitsMatchTooWithALargerPopulation() {
        var inst = Self.instance(seed: 11, sites: 3, objectives: [.cost, .latency, .egress])
        inst.limits = [.latency: 400]
        let p = HierarchicalPlacementProblem(inst)
        let exact = p.exhaustiveFront()
        let found = p.front(of: NSGA2(populationSize: 200, generations: 300, seed: 7, maxMatingRounds: 10).run(p))
        #expect(exact.count <= 200)
        #expect(found.map(\.objectives) == exact.map(\.objectives), "exact \(exact.count) points, found \(found.count)")
        #expect(exact.allSatisfy { $0.objectives[1] <= 400 })
    }
}
