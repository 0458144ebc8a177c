import Foundation
import Testing
@testable import FedCatalog

/// The bundled catalog holds exactly what catalog/data says.
@Suite struct BundledDataTests {
    let catalog = Catalog.bundled

    @Test func parsesAndCountsMatchTheCSVs() throws {
        let regions = try SourceData.rows("regions.csv")
        let instances = try SourceData.rows("instances.csv")
        let latency = try SourceData.rows("latency-ms.csv")
        #expect(regions.count == 38)
        #expect(instances.count == 392)
        #expect(latency.count == 1406)
        #expect(catalog.regions.count == regions.count)
        #expect(catalog.offers.count == instances.count)
        #expect(catalog.instanceTypes.count == Set(instances.map { $0["cloud"]! + "/" + $0["instance_type"]! }).count)
        #expect(catalog.instanceTypes.count == 31)
        // 38 regions make 703 unordered pairs; one (both directions in the CSV) has no valid measurement.
        let measured = latency.filter { !$0["rtt_ms"]!.isEmpty }
        #expect(catalog.measuredRTTs.count == measured.count / 2)
        #expect(catalog.measuredRTTs.count == 702)
    }

    @Test func regionsPerCloud() {
        #expect(catalog.clouds == ["aws", "azure", "gcp"])
        #expect(catalog.regions(cloud: "aws").count == 12)
        #expect(catalog.regions(cloud: "gcp").count == 13)
        #expect(catalog.regions(cloud: "azure").count == 13)
        #expect(catalog.offers(cloud: "aws").count == 132)
        #expect(catalog.offers(cloud: "gcp").count == 130)
        #expect(catalog.offers(cloud: "azure").count == 130)
    }

    @Test(arguments: [
        ("aws/us-east-1", "m5.large", 0.096),
        ("aws/us-east-1", "t3.medium", 0.0416),
        ("aws/us-east-1", "c6i.xlarge", 0.17),
        ("aws/us-east-1", "m6i.2xlarge", 0.384),
        ("azure/eastus", "Standard_D2s_v5", 0.096),
        ("azure/eastus", "Standard_F2s_v2", 0.0846),
        ("gcp/asia-northeast1", "c2-standard-16", 1.07142),
    ])
    func knownListPrices(region: String, type: String, usd: Double) throws {
        let offer = try catalog.offer(type, in: RegionRef(parsing: region))
        #expect(offer.usdPerHour == usd)
    }

    @Test func everyOfferMatchesItsCSVRow() throws {
        for row in try SourceData.rows("instances.csv") {
            let ref = RegionRef(cloud: row["cloud"]!, region: row["region"]!)
            let offer = try catalog.offer(row["instance_type"]!, in: ref)
            #expect(offer.type.vcpu == Int(row["vcpus"]!))
            #expect(offer.type.memoryGiB == Double(row["memory_gib"]!))
            #expect(offer.usdPerHour == Double(row["ondemand_usd_per_hr"]!))
            #expect(offer.spotUsdPerHour == Double(row["spot_usd_per_hr"]!))
        }
    }

    @Test func everyRegionMatchesItsCSVRow() throws {
        for row in try SourceData.rows("regions.csv") {
            let region = try #require(catalog.region(RegionRef(cloud: row["cloud"]!, region: row["region"]!)))
            #expect(region.city == row["city"])
            #expect(region.country == row["country"])
            #expect(region.latitude == Double(row["lat"]!))
            #expect(region.longitude == Double(row["lon"]!))
            #expect(region.area.rawValue == row["geo_area"])
        }
    }

    @Test func instanceSizes() throws {
        let c2 = try catalog.offer("c2-standard-30", in: RegionRef(parsing: "gcp/us-central1")).type
        #expect(c2.vcpu == 30 && c2.memoryGiB == 120)
        let d32 = try catalog.offer("Standard_D32s_v5", in: RegionRef(parsing: "azure/westeurope")).type
        #expect(d32.vcpu == 32 && d32.memoryGiB == 128)
    }

    @Test func egressFollowsTheDocumentedRule() throws {
        func egress(_ ref: String) throws -> Double { try catalog.egressUsdPerGB(from: RegionRef(parsing: ref)) }
        // AWS: Skyplane's per-source-region rate.
        #expect(try egress("aws/us-east-1") == 0.09)
        #expect(try egress("aws/ap-southeast-1") == 0.12)
        #expect(try egress("aws/ap-northeast-1") == 0.114)
        #expect(try egress("aws/ap-south-1") == 0.1093)
        // GCP: premium tier, 0.12 except the regions Skyplane lists.
        #expect(try egress("gcp/us-central1") == 0.12)
        #expect(try egress("gcp/asia-northeast1") == 0.14)
        #expect(try egress("gcp/australia-southeast1") == 0.19)
        // Azure: by continent.
        #expect(try egress("azure/westeurope") == 0.0875)
        #expect(try egress("azure/japaneast") == 0.12)
        // Cloud defaults (SkyPilot first tier) for regions an overlay adds.
        #expect(catalog.egress.perCloudUsdPerGB == ["aws": 0.09, "gcp": 0.12, "azure": 0.0875])
        #expect(catalog.regions.allSatisfy { catalog.egress.perRegionUsdPerGB[$0.ref] != nil })
    }
}
