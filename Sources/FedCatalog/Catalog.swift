/// Everything the placement optimizer knows about the public clouds: regions, instance types and
/// their prices, internet egress, round-trip times and currency rates. Immutable and `Sendable`;
/// `Catalog.bundled` is compiled in, a user's catalog file is applied with `merging(_:)`.
public struct Catalog: Sendable {
    /// The catalog compiled into fedplane, parsed on first use (a `static let` is lazy and thread-safe).
    public static let bundled: Catalog = BundledCatalog.load()

    /// Human label of the data edition (`2026-11-26.1`; merged catalogs append `~overlay-name`).
    public internal(set) var edition: String
    /// SHA-256 of the canonical form of all the data (see `CatalogCanonicalForm`).
    public let contentSHA256: String
    /// Sorted by ref.
    public let regions: [Region]
    /// Sorted by region, then instance type name.
    public let offers: [Offer]
    /// Measured RTTs, one per unordered pair, sorted.
    public let measuredRTTs: [RTTMeasurement]
    public let egress: EgressRates
    public let rttModel: RTTModel
    public let currency: CurrencyRates

    let regionIndex: [RegionRef: Region]
    let offerIndex: [RegionRef: [Offer]]
    let rttIndex: [RegionPair: Double]

    /// What the plan records: the edition plus the first 12 hex digits of the content hash,
    /// e.g. `2026-11-26.1+0fb3a5d74432`. Same data, same version; any data change, another one.
    public var version: String { "\(edition)+\(contentSHA256.prefix(12))" }

    /// Builds a catalog and checks it is whole: no duplicates, every offer, RTT and egress rate
    /// names a known region, every region has an egress rate, numbers are in range, and an
    /// instance type has one size wherever it is offered.
    public init(
        edition: String, regions: [Region], offers: [Offer], measuredRTTs: [RTTMeasurement],
        egress: EgressRates, rttModel: RTTModel, currency: CurrencyRates
    ) throws(CatalogError) {
        var regionIndex: [RegionRef: Region] = [:]
        for region in regions {
            guard regionIndex.updateValue(region, forKey: region.ref) == nil else {
                throw .invalidValue(what: "region list", value: "\(region.ref)", expected: "each region once")
            }
            guard region.coordinate.isValid else {
                throw .invalidValue(what: "coordinate of \(region.ref)", value: "\(region.coordinate)",
                                    expected: "latitude in -90...90 and longitude in -180...180")
            }
        }
        func known(_ ref: RegionRef, _ what: String) throws(CatalogError) {
            guard regionIndex[ref] == nil else { return }
            throw .invalidValue(what: what, value: "\(ref)", expected: "a region the catalog defines (add it under regions)")
        }

        var sizes: [String: InstanceType] = [:]
        var seen = Set<String>()
        for offer in offers {
            try known(offer.region, "region of an offer for \(offer.type.name)")
            let key = "\(offer.region)|\(offer.type.name)"
            guard seen.insert(key).inserted else {
                throw .invalidValue(what: "offer list", value: "\(offer.type.name) in \(offer.region)", expected: "each offer once")
            }
            guard offer.type.cloud == offer.region.cloud else {
                throw .invalidValue(what: "cloud of \(offer.type.name) in \(offer.region)", value: offer.type.cloud,
                                    expected: offer.region.cloud)
            }
            try Self.check(offer)
            let typeKey = "\(offer.type.cloud)/\(offer.type.name)"
            if let other = sizes[typeKey], other != offer.type {
                throw .invalidValue(what: "size of \(typeKey) in \(offer.region)",
                                    value: "\(offer.type.vcpu) vCPU, \(offer.type.memoryGiB) GiB",
                                    expected: "\(other.vcpu) vCPU, \(other.memoryGiB) GiB as in its other offers")
            }
            sizes[typeKey] = offer.type
        }

        var rttIndex: [RegionPair: Double] = [:]
        var pairs: [RTTMeasurement] = []
        pairs.reserveCapacity(measuredRTTs.count)
        for m in measuredRTTs {
            try known(m.a, "region of a measured RTT")
            try known(m.b, "region of a measured RTT")
            guard m.a != m.b, m.ms.isFinite, m.ms > 0 else {
                throw .invalidValue(what: "RTT \(m.a) <-> \(m.b)", value: "\(m.ms)", expected: "a positive number of ms between two different regions")
            }
            let pair = m.pair
            guard rttIndex.updateValue(m.ms, forKey: pair) == nil else {
                throw .invalidValue(what: "RTT list", value: "\(m.a) <-> \(m.b)", expected: "each pair once")
            }
            pairs.append(RTTMeasurement(pair.low, pair.high, ms: m.ms))
        }

        for (ref, usd) in egress.perRegionUsdPerGB {
            try known(ref, "region of an egress rate")
            try Self.checkRate(usd, "egress USD/GB from \(ref)")
        }
        for (cloud, usd) in egress.perCloudUsdPerGB { try Self.checkRate(usd, "egress USD/GB of cloud \(cloud)") }
        for region in regions where egress.usdPerGB(from: region.ref) == nil { throw .missingEgressRate(region.ref) }

        for (value, what) in [(rttModel.msPer100Km, "RTT model ms per 100 km"), (rttModel.sameRegionMs, "same-region RTT"),
                              (rttModel.minimumMs, "minimum fallback RTT")] {
            guard value.isFinite, value > 0 else { throw .invalidValue(what: what, value: "\(value)", expected: "a positive number") }
        }

        let sortedRegions = Self.sorted(regions) { $0.ref < $1.ref }
        let sortedOffers = Self.sorted(offers) { $0.region == $1.region ? $0.type.name < $1.type.name : $0.region < $1.region }
        let sortedRTTs = Self.sorted(pairs) { $0.a == $1.a ? $0.b < $1.b : $0.a < $1.a }
        var offerIndex: [RegionRef: [Offer]] = [:]
        for offer in sortedOffers { offerIndex[offer.region, default: []].append(offer) }
        self.edition = edition
        self.regions = sortedRegions
        self.offers = sortedOffers
        self.measuredRTTs = sortedRTTs
        self.egress = egress
        self.rttModel = rttModel
        self.currency = currency
        self.regionIndex = regionIndex
        self.offerIndex = offerIndex
        self.rttIndex = rttIndex
        self.contentSHA256 = CatalogCanonicalForm.sha256(of: CatalogCanonicalForm.lines(
            regions: sortedRegions, offers: sortedOffers, rtts: sortedRTTs,
            egress: egress, rttModel: rttModel, currency: currency))
    }

    /// Sorts only when needed: the bundled tables arrive sorted, and checking is O(n).
    private static func sorted<T>(_ items: [T], by less: (T, T) -> Bool) -> [T] {
        zip(items, items.dropFirst()).allSatisfy { !less($1, $0) } ? items : items.sorted(by: less)
    }

    private static func check(_ offer: Offer) throws(CatalogError) {
        let what = "\(offer.type.name) in \(offer.region)"
        guard offer.type.vcpu > 0, offer.type.memoryGiB.isFinite, offer.type.memoryGiB > 0 else {
            throw .invalidValue(what: "size of \(what)", value: "\(offer.type.vcpu) vCPU, \(offer.type.memoryGiB) GiB",
                                expected: "a positive vCPU count and memory")
        }
        guard offer.usdPerHour.isFinite, offer.usdPerHour > 0 else {
            throw .invalidValue(what: "USD/hour of \(what)", value: "\(offer.usdPerHour)", expected: "a positive price")
        }
        if let spot = offer.spotUsdPerHour, !(spot.isFinite && spot > 0) {
            throw .invalidValue(what: "spot USD/hour of \(what)", value: "\(spot)", expected: "a positive price or none")
        }
    }

    private static func checkRate(_ usd: Double, _ what: String) throws(CatalogError) {
        guard usd.isFinite, usd >= 0 else { throw .invalidValue(what: what, value: "\(usd)", expected: "zero or a positive price") }
    }
}
