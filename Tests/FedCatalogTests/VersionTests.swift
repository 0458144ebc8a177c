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

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256KnownAnswers(input: String, hex: String) {
        #expect(SHA256.hex(input) == hex)
    }

    @Test func sha256OfAMillionAs() {
        #expect(SHA256.hex(String(repeating: "a", count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
