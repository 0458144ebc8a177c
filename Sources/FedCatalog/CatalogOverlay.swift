/// A user's additions and corrections to the bundled catalog (read from their catalog file).
/// Entries add to the catalog or replace the entry with the same key; nothing is removed.
public struct CatalogOverlay: Hashable, Sendable {
    /// Short label appended to the edition (`2026-11-26.1~my-prices`): letters, digits, `.`, `_`, `-`.
    public var name: String
    /// Keyed by `ref`.
    public var regions: [Region]
    /// Keyed by region and instance type name. An instance type keeps one size across its offers.
    public var offers: [Offer]
    /// Keyed by the unordered pair; used in both directions.
    public var rtts: [RTTMeasurement]
    /// USD/GB internet egress for a whole cloud (regions without their own rate).
    public var cloudEgressUsdPerGB: [String: Double]
    /// USD/GB internet egress from one region.
    public var regionEgressUsdPerGB: [RegionRef: Double]
    /// Replaces all currency rates (one publisher, one day), if set.
    public var currency: CurrencyRates?

    public init(
        name: String = "overlay", regions: [Region] = [], offers: [Offer] = [], rtts: [RTTMeasurement] = [],
        cloudEgressUsdPerGB: [String: Double] = [:], regionEgressUsdPerGB: [RegionRef: Double] = [:],
        currency: CurrencyRates? = nil
    ) {
        self.name = name
        self.regions = regions
        self.offers = offers
        self.rtts = rtts
        self.cloudEgressUsdPerGB = cloudEgressUsdPerGB
        self.regionEgressUsdPerGB = regionEgressUsdPerGB
        self.currency = currency
    }
}

extension Catalog {
    /// This catalog with `overlay` applied, checked like any catalog. The version changes with
    /// the data: if the overlay changes nothing, the result keeps this catalog's edition and version.
    public func merging(_ overlay: CatalogOverlay) throws(CatalogError) -> Catalog {
        guard !overlay.name.isEmpty, overlay.name.count <= 40, overlay.name.unicodeScalars.allSatisfy({
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }) else {
            throw .invalidValue(what: "catalog overlay name", value: overlay.name,
                                expected: "1 to 40 letters, digits, '.', '_' or '-'")
        }

        var regionsByRef = regionIndex
        for region in overlay.regions { regionsByRef[region.ref] = region }

        var offersByKey: [String: Offer] = [:]
        for offer in offers { offersByKey["\(offer.region)|\(offer.type.name)"] = offer }
        for offer in overlay.offers { offersByKey["\(offer.region)|\(offer.type.name)"] = offer }

        var rttsByPair = rttIndex
        for m in overlay.rtts { rttsByPair[m.pair] = m.ms }

        let egress = EgressRates(
            perCloudUsdPerGB: self.egress.perCloudUsdPerGB.merging(overlay.cloudEgressUsdPerGB) { _, new in new },
            perRegionUsdPerGB: self.egress.perRegionUsdPerGB.merging(overlay.regionEgressUsdPerGB) { _, new in new })

        let merged = try Catalog(
            edition: "\(edition)~\(overlay.name)",
            regions: Array(regionsByRef.values),
            offers: Array(offersByKey.values),
            measuredRTTs: rttsByPair.map { RTTMeasurement($0.key.low, $0.key.high, ms: $0.value) },
            egress: egress, rttModel: rttModel, currency: overlay.currency ?? currency)
        guard merged.contentSHA256 == contentSHA256 else { return merged }
        var same = merged
        same.edition = edition  // Same data, same version: nothing downstream needs to re-plan.
        return same
    }
}
