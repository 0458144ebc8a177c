import Foundation
import Testing
@testable import FedCatalog

/// The bundled carbon data holds what catalog/data/{carbon,power}.csv say, and the estimate
/// follows CCF's worked example (shared catalog-data README).
@Suite struct CarbonCatalogTests {
    let carbon = CarbonCatalog.bundled
    let catalog = Catalog.bundled

    @Test func everyBundledOfferHasCarbonData() {
        for offer in catalog.offers { #expect(carbon.missingData(for: offer).isEmpty, "\(offer.region) \(offer.type.name)") }
    }

    @Test func gridIntensitiesMatchTheCSV() throws {
        let rows = try SourceData.rows("carbon.csv")
        #expect(rows.count == 38)
        for row in rows {
            #expect(!row["source"]!.isEmpty)
            #expect(carbon.gridGramsPerKWh[RegionRef(cloud: row["provider"]!, region: row["region"]!)] == Double(row["grid_gco2_per_kwh"]!))
        }
    }

    /// m5.large (2 vCPU) in aws/us-east-1 for one hour at 50 %: 0.008378 kWh, 3.18 g CO2e.
    @Test func workedExampleOfTheSourceReadme() throws {
        let offer = try catalog.offer("m5.large", in: RegionRef(parsing: "aws/us-east-1"))
        let e = try #require(carbon.estimate(offer, hours: 1, utilization: 0.5))
        #expect(abs(e.wattsPerVcpu - 2.455) < 1e-12)
        #expect(abs(e.kWh - 0.008378) < 0.000001)
        #expect(abs(e.kgCO2e * 1000 - 3.18) < 0.005)
    }

    @Test func utilizationMovesBetweenIdleAndFullLoadWatts() throws {
        let offer = try catalog.offer("n2-standard-4", in: RegionRef(parsing: "gcp/europe-north1"))
        let idle = try #require(carbon.estimate(offer, hours: 10, utilization: 0))
        let full = try #require(carbon.estimate(offer, hours: 10, utilization: 1))
        #expect(idle.wattsPerVcpu == 0.64 && full.wattsPerVcpu == 3.97)
        #expect(idle.kgCO2e < full.kgCO2e)
        // GCP counts all memory (16 GB) and europe-north1 has its own PUE (1.09).
        let expected = (0.64 * 4 * 10 / 1000 + 16 * 10 * 0.000392) * 1.09 * 39.32 / 1000
        #expect(abs(idle.kgCO2e - expected) < 1e-12)
    }

    @Test func aRegionWithoutDataIsNamedNotZero() {
        let offer = Offer(region: RegionRef(cloud: "aws", region: "mars-1"),
                          type: InstanceType(cloud: "aws", name: "m5.large", vcpu: 2, memoryGiB: 8), usdPerHour: 1)
        #expect(carbon.estimate(offer, hours: 1, utilization: 0.5) == nil)
        #expect(carbon.missingData(for: offer) == ["grid intensity of aws/mars-1", "PUE of aws/mars-1"])
    }
}
