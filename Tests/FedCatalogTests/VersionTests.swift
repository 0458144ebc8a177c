import Foundation
import Testing
@testable import FedCatalog

@Suite struct VersionTests {
    @Test func versionIsEditionPlusContentHash() {
        let catalog = Catalog.bundled
        #expect(catalog.edition == BundledCatalogData.edition)
        #expect(catalog.version == "\(BundledCatalogData.edition)+\(BundledCatalogData.contentSHA256.prefix(12))")
    }

    /// The generator hashed the CSVs' canonical form in Python; the parsed catalog must hash the same.
    @Test func contentHashMatchesTheGenerators() {
        #expect(Catalog.bundled.contentSHA256 == BundledCatalogData.contentSHA256)
    }

    @Test func stableForTheSameData() throws {
        let again = try BundledCatalog.parse()
        #expect(again.version == Catalog.bundled.version)
        // Order of input does not matter.
        let shuffled = try Catalog(
            edition: again.edition, regions: again.regions.reversed(), offers: again.offers.shuffled(),
            measuredRTTs: again.measuredRTTs.map { RTTMeasurement($0.b, $0.a, ms: $0.ms) }.shuffled(),
            egress: again.egress, rttModel: again.rttModel, currency: again.currency)
        #expect(shuffled.version == again.version)
    }

    @Test func anyDataChangeChangesTheHash() throws {
        let c = Catalog.bundled
        let model = RTTModel(msPer100Km: 1.7, sameRegionMs: c.rttModel.sameRegionMs, minimumMs: c.rttModel.minimumMs)
        let other = try Catalog(edition: c.edition, regions: c.regions, offers: c.offers, measuredRTTs: c.measuredRTTs,
                                egress: c.egress, rttModel: model, currency: c.currency)
        #expect(other.contentSHA256 != c.contentSHA256)
        #expect(other.version != c.version)
    }
}
