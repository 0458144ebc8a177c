import Foundation
import Testing
@testable import FedCatalog

@Suite struct RTTTests {
    let catalog = Catalog.bundled

    func ref(_ s: String) -> RegionRef { try! RegionRef(parsing: s) }

    @Test func measuredValuesAreUsedAndSymmetric() throws {
        for row in try SourceData.rows("latency-ms.csv") {
            let a = try RegionRef(parsing: row["from_region"]!), b = try RegionRef(parsing: row["to_region"]!)
            let there = try catalog.rttMs(a, b), back = try catalog.rttMs(b, a)
            #expect(there == back)
            if let ms = Double(row["rtt_ms"]!) {
                #expect(there == RTT(ms: ms, basis: .measured))
            } else {
                #expect(there.basis == .greatCircle)
            }
        }
    }

    @Test func knownMeasurement() throws {
        let rtt = try catalog.rttMs(ref("aws/ap-northeast-1"), ref("aws/ap-south-1"))
        #expect(rtt.ms == 129.7)
        #expect(rtt.measured)
    }

    @Test func theUnmeasuredPairUsesTheGreatCircleFallback() throws {
        let sydney = ref("gcp/australia-southeast1"), london = ref("gcp/europe-west2")
        let rtt = try catalog.rttMs(sydney, london)
        #expect(!rtt.measured)
        #expect(rtt.basis == .greatCircle)
        // latency-ms.csv gives 16993.9 km for this pair; 1.6 ms per 100 km.
        #expect(abs(rtt.ms - 1.6 * 16993.9 / 100) < 0.01 * rtt.ms)
        #expect(try catalog.rttMs(london, sydney) == rtt)
    }

    @Test func sameRegionIsTheDocumentedConstant() throws {
        let rtt = try catalog.rttMs(ref("azure/eastus"), ref("azure/eastus"))
        #expect(rtt == RTT(ms: 1, basis: .sameRegion))
    }

    @Test func fromACoordinate() throws {
        let seoul = Coordinate(latitude: 37.5665, longitude: 126.9780)
        let rtt = try catalog.rttMs(from: seoul, to: ref("aws/ap-northeast-1"))
        #expect(rtt.basis == .greatCircle)
        // Seoul–Tokyo is about 1160 km.
        #expect(abs(rtt.ms - 1.6 * 11.6) < 1)
        // Standing on the region's own coordinate: the floor, not zero.
        let tokyo = try #require(catalog.region(ref("aws/ap-northeast-1"))).coordinate
        #expect(try catalog.rttMs(from: tokyo, to: ref("aws/ap-northeast-1")).ms == catalog.rttModel.minimumMs)
        #expect(throws: CatalogError.self) { try catalog.rttMs(from: Coordinate(latitude: 91, longitude: 0), to: ref("aws/us-east-1")) }
    }

    @Test func unknownRegionsAreErrors() {
        #expect(throws: CatalogError.unknownRegion("aws/us-east-3", suggestions: ["aws/us-east-1", "aws/us-east-2"])) {
            try catalog.rttMs(ref("aws/us-east-3"), ref("aws/us-east-1"))
        }
    }

    @Test(arguments: [
        // (a, b, km): published great-circle distances between city centres.
        (Coordinate(latitude: 51.5074, longitude: -0.1278), Coordinate(latitude: 48.8566, longitude: 2.3522), 343.5),   // London–Paris
        (Coordinate(latitude: 40.7128, longitude: -74.0060), Coordinate(latitude: 51.5074, longitude: -0.1278), 5570.0), // New York–London
        (Coordinate(latitude: 35.6762, longitude: 139.6503), Coordinate(latitude: -33.8688, longitude: 151.2093), 7826.0), // Tokyo–Sydney
    ])
    func greatCircleDistanceWithinOnePercent(a: Coordinate, b: Coordinate, km: Double) {
        #expect(abs(a.greatCircleKm(to: b) - km) / km < 0.01)
        #expect(a.greatCircleKm(to: b) == b.greatCircleKm(to: a))
    }

    @Test func greatCircleAgreesWithTheDatasetsDistances() throws {
        for row in try SourceData.rows("latency-ms.csv") {
            let a = try #require(catalog.region(RegionRef(parsing: row["from_region"]!)))
            let b = try #require(catalog.region(RegionRef(parsing: row["to_region"]!)))
            let km = try #require(Double(row["great_circle_km"]!))
            #expect(abs(a.coordinate.greatCircleKm(to: b.coordinate) - km) <= max(1, 0.01 * km))
        }
    }
}
