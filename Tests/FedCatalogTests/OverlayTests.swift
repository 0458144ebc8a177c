import Testing
@testable import FedCatalog

@Suite struct OverlayTests {
    let base = Catalog.bundled
    let useast1 = RegionRef(cloud: "aws", region: "us-east-1")
    let m5large = InstanceType(cloud: "aws", name: "m5.large", vcpu: 2, memoryGiB: 8)

    @Test func replacesAnOfferAndChangesTheVersion() throws {
        let overlay = CatalogOverlay(name: "negotiated", offers: [Offer(region: useast1, type: m5large, usdPerHour: 0.05)])
        let merged = try base.merging(overlay)
        #expect(try merged.offer("m5.large", in: useast1).usdPerHour == 0.05)
        #expect(try merged.offer("m5.large", in: useast1).spotUsdPerHour == nil)
        #expect(merged.offers.count == base.offers.count)
        #expect(merged.version != base.version)
        #expect(merged.edition == base.edition + "~negotiated")
        #expect(try base.offer("m5.large", in: useast1).usdPerHour == 0.096)  // the base is untouched
    }

    @Test func addsARegionWithOffersRTTsAndEgress() throws {
        let saoPaulo = RegionRef(cloud: "aws", region: "sa-east-1")
        let overlay = CatalogOverlay(
            name: "brazil",
            regions: [Region(ref: saoPaulo, city: "Sao Paulo", country: "BR",
                             coordinate: Coordinate(latitude: -23.5505, longitude: -46.6333), area: .southAmerica)],
            offers: [Offer(region: saoPaulo, type: m5large, usdPerHour: 0.153)],
            rtts: [RTTMeasurement(useast1, saoPaulo, ms: 115)],
            regionEgressUsdPerGB: [saoPaulo: 0.15])
        let merged = try base.merging(overlay)
        #expect(merged.regions.count == base.regions.count + 1)
        #expect(try merged.offer("m5.large", in: saoPaulo).usdPerHour == 0.153)
        #expect(try merged.rttMs(saoPaulo, useast1) == RTT(ms: 115, basis: .measured))
        #expect(try merged.rttMs(saoPaulo, RegionRef(cloud: "aws", region: "eu-west-1")).basis == .greatCircle)
        #expect(try merged.egressUsdPerGB(from: saoPaulo) == 0.15)
        #expect(merged.version != base.version)
    }

    @Test func aNewRegionWithoutAnEgressRateUsesItsCloudsRate() throws {
        let ref = RegionRef(cloud: "gcp", region: "me-west1")
        let merged = try base.merging(CatalogOverlay(regions: [
            Region(ref: ref, city: "Tel Aviv", country: "IL", coordinate: Coordinate(latitude: 32.0853, longitude: 34.7818), area: .middleEastAfrica),
        ]))
        #expect(try merged.egressUsdPerGB(from: ref) == 0.12)
    }

    @Test func replacesRTTsEgressAndRates() throws {
        let tokyo = RegionRef(cloud: "aws", region: "ap-northeast-1")
        let rates = try CurrencyRates(base: "USD", date: "2026-11-25", source: "my finance team",
                                      unitsPerBase: ["EUR": 0.9, "KRW": 1400])
        let merged = try base.merging(CatalogOverlay(
            name: "site", rtts: [RTTMeasurement(tokyo, useast1, ms: 150)],
            cloudEgressUsdPerGB: ["gcp": 0.08], regionEgressUsdPerGB: [useast1: 0.05], currency: rates))
        #expect(try merged.rttMs(useast1, tokyo).ms == 150)
        #expect(merged.measuredRTTs.count == base.measuredRTTs.count)
        #expect(try merged.egressUsdPerGB(from: useast1) == 0.05)
        // A region's own rate still wins over the new cloud rate.
        #expect(try merged.egressUsdPerGB(from: RegionRef(cloud: "gcp", region: "us-central1")) == 0.12)
        #expect(try merged.convert(1, from: "USD", to: "KRW") == 1400)
        #expect(throws: CatalogError.unknownCurrency("JPY", known: ["EUR", "KRW", "USD"])) { try merged.convert(1, from: "JPY", to: "USD") }
    }

    @Test func anOverlayThatChangesNothingKeepsTheVersion() throws {
        #expect(try base.merging(CatalogOverlay()).version == base.version)
        let same = try base.offer("m5.large", in: useast1)
        let merged = try base.merging(CatalogOverlay(name: "noop", offers: [same]))
        #expect(merged.version == base.version)
    }

    @Test func theSameOverlayGivesTheSameVersion() throws {
        let overlay = CatalogOverlay(name: "x", offers: [Offer(region: useast1, type: m5large, usdPerHour: 0.05)])
        #expect(try base.merging(overlay).version == base.merging(overlay).version)
    }

    @Test func badOverlaysAreRejectedWithAReason() {
        let nowhere = RegionRef(cloud: "aws", region: "mars-1")
        #expect(throws: CatalogError.self) {
            try base.merging(CatalogOverlay(offers: [Offer(region: nowhere, type: m5large, usdPerHour: 1)]))
        }
        #expect(throws: CatalogError.self) {
            try base.merging(CatalogOverlay(offers: [Offer(region: useast1, type: m5large, usdPerHour: -1)]))
        }
        // m5.large is 2 vCPU / 8 GiB in its other offers.
        let wrongSize = InstanceType(cloud: "aws", name: "m5.large", vcpu: 4, memoryGiB: 8)
        let error = #expect(throws: CatalogError.self) {
            try base.merging(CatalogOverlay(offers: [Offer(region: useast1, type: wrongSize, usdPerHour: 0.1)]))
        }
        #expect(error?.description.contains("2 vCPU, 8.0 GiB") == true)
        #expect(throws: CatalogError.self) { try base.merging(CatalogOverlay(name: "has space")) }
        #expect(throws: CatalogError.self) { try base.merging(CatalogOverlay(rtts: [RTTMeasurement(useast1, useast1, ms: 3)])) }
        // A region of a cloud the catalog has no egress rate for.
        let oci = RegionRef(cloud: "oci", region: "us-ashburn-1")
        #expect(throws: CatalogError.missingEgressRate(oci)) {
            try base.merging(CatalogOverlay(regions: [
                Region(ref: oci, city: "Ashburn", country: "US", coordinate: Coordinate(latitude: 39, longitude: -77.5), area: .northAmerica),
            ]))
        }
    }
}
