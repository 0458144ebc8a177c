import Foundation
import Testing
@testable import FedCatalog

@Suite struct RegionRefTests {
    let catalog = Catalog.bundled

    @Test func parsesAndPrints() throws {
        let ref = try RegionRef(parsing: " AWS/us-east-1 ")
        #expect(ref == RegionRef(cloud: "aws", region: "us-east-1"))
        #expect(ref.description == "aws/us-east-1")
        #expect(try RegionRef(parsing: "gcp:us-central1").description == "gcp/us-central1")
        for bad in ["us-east-1", "aws/", "/us-east-1", "aws/us east", ""] {
            #expect(throws: CatalogError.self) { try RegionRef(parsing: bad) }
        }
    }

    @Test func codableAsItsWrittenForm() throws {
        let ref = RegionRef(cloud: "azure", region: "eastus")
        let json = try JSONEncoder().encode([ref])
        #expect(String(decoding: json, as: UTF8.self) == #"["azure\/eastus"]"#)
        #expect(try JSONDecoder().decode([RegionRef].self, from: json) == [ref])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([RegionRef].self, from: Data(#"["eastus"]"#.utf8)) }
    }

    @Test func resolvesKnownRegions() throws {
        #expect(try catalog.resolveRegion("gcp/europe-west3").city == "Frankfurt")
    }

    @Test func didYouMeanForATypo() {
        let error = #expect(throws: CatalogError.self) { try catalog.resolveRegion("aws/us-esat-1") }
        #expect(error == .unknownRegion("aws/us-esat-1", suggestions: ["aws/us-east-1"]))
        #expect(error?.description == #"unknown region "aws/us-esat-1" (did you mean "aws/us-east-1"?)"#)
        #expect(throws: CatalogError.unknownRegion("gcp/europe-west9", suggestions: ["gcp/europe-west1", "gcp/europe-west2", "gcp/europe-west3"])) {
            try catalog.resolveRegion("gcp/europe-west9")
        }
    }

    @Test func didYouMeanForTheWrongCloudOrNoCloud() {
        #expect(throws: CatalogError.unknownRegion("aws/eastus", suggestions: ["azure/eastus"])) { try catalog.resolveRegion("aws/eastus") }
        #expect(throws: CatalogError.malformedRegionRef("eastus", suggestions: ["azure/eastus"])) { try catalog.resolveRegion("eastus") }
        #expect(throws: CatalogError.malformedRegionRef("us-central", suggestions: ["gcp/us-central1"])) { try catalog.resolveRegion("us-central") }
        #expect(throws: CatalogError.unknownRegion("gpc/us-central1", suggestions: ["gcp/us-central1"])) {
            try catalog.resolveRegion("gpc/us-central1")
        }
        let error = #expect(throws: CatalogError.self) { try catalog.resolveRegion("gpc/moon-1") }
        #expect(error == .unknownCloud("gpc", known: ["aws", "azure", "gcp"]))
        #expect(error?.description.contains(#"did you mean "gcp"?"#) == true)
    }

    @Test func nothingCloseMeansNoSuggestion() {
        #expect(throws: CatalogError.unknownRegion("aws/antarctica-1", suggestions: [])) { try catalog.resolveRegion("aws/antarctica-1") }
    }

    @Test func didYouMeanForAnInstanceType() throws {
        let error = #expect(throws: CatalogError.self) { try catalog.offer("m5.larg", in: RegionRef(parsing: "aws/eu-west-1")) }
        #expect(error == .unknownInstanceType("m5.larg", region: RegionRef(cloud: "aws", region: "eu-west-1"), suggestions: ["m5.large"]))
    }

    @Test func editDistance() {
        #expect(Suggestions.editDistance("gpc", "gcp") == 1)
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
        #expect(Suggestions.editDistance("", "abc") == 3)
    }
}
