import FedCatalog
import FedOptimize
import FedSpec
import Foundation
import Testing
@testable import FedPlan

/// The carbon and egress-volume estimates of a candidate (issue 16).
@Suite struct PlacementObjectiveTests {
    @Test func carbonIsTheAggregatorVMOverTheRunAtItsBusyShare() throws {
        let spec = try PlacementTests.caseStudy()
        let model = PlacementModel(spec: spec, catalog: .bundled)
        let offer = try Catalog.bundled.offer("m5.large", in: RegionRef(parsing: "aws/us-east-1"))
        let e = try model.estimate(offer, specCloud: "aws")
        let runHours = 20.0 * 15 * 60 / 3600
        let busy = e.aggregationMs * 20 / (runHours * 3_600_000)   // aggregation time × rounds / run time
        let watts = 0.65 + busy * (4.26 - 0.65)                    // m5: Skylake idle/full W per vCPU
        let kWh = (watts * 2 * runHours / 1000 + 6.3058 * runHours * 0.000392) * 1.135
        #expect(abs(try #require(e.carbonKgCO2e) - kWh * 379.069 / 1000) < 1e-12)
        #expect(e.carbonMissing.isEmpty)
    }

    @Test func cleanerGridLowersCarbonForTheSameType() throws {
        let spec = try PlacementTests.caseStudy()
        let model = PlacementModel(spec: spec, catalog: .bundled)
        let dirty = try model.estimate(try Catalog.bundled.offer("m5.large", in: RegionRef(parsing: "aws/ap-southeast-2")), specCloud: "aws")
        let clean = try model.estimate(try Catalog.bundled.offer("m5.large", in: RegionRef(parsing: "aws/eu-north-1")), specCloud: "aws")
        #expect(try #require(clean.carbonKgCO2e) < (try #require(dirty.carbonKgCO2e)) / 50)
    }

    @Test func egressVolumeCountsParticipantsInOtherClouds() throws {
        // The case study's three hospitals are all in AWS regions.
        let spec = try PlacementTests.caseStudy()
        let model = PlacementModel(spec: spec, catalog: .bundled)
        let inAWS = try model.estimate(try Catalog.bundled.offer("m5.large", in: RegionRef(parsing: "aws/eu-west-1")), specCloud: "aws")
        #expect(inAWS.egressGB == 0)
        let gcpCloud = "gcp"
        let inGCP = try model.estimate(try Catalog.bundled.offer("n2-standard-2", in: RegionRef(parsing: "gcp/europe-west1")), specCloud: gcpCloud)
        #expect(abs(inGCP.egressGB - 3 * 26e6 * 2 * 20 / 1e9) < 1e-9)
    }
}

/// The hierarchical model, restricted to a flat layout, is the flat model (issue 16).
@Suite struct HierarchicalModelTests {
    @Test func aFlatLayoutCostsWhatTheFlatModelSays() throws {
        let spec = try PlacementTests.caseStudy()
        let model = PlacementModel(spec: spec, catalog: .bundled)
        let (instance, sites) = try HierarchicalOptimizer(model: model, settings: spec.aggregator.optimizer, weights: spec.aggregator.weights).instance()
        let problem = HierarchicalPlacementProblem(instance)
        #expect(sites.allSatisfy { $0.offer.type.vcpu >= 2 && $0.offer.type.memoryGiB >= 4 })
        for (i, site) in sites.enumerated() where i % 7 == 0 {
            let m = problem.measures(HierarchicalLayout(global: i, regional: [], parent: [nil, nil, nil]))
            #expect(abs(m[0] - site.cost) <= 1e-9 * site.cost, "\(site.label)")
            #expect(abs(m[1] - site.roundLatencyMs) <= 1e-9 * site.roundLatencyMs, "\(site.label)")
            #expect(m[3] == site.egressGB)
        }
    }
}
