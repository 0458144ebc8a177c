/// Questions the optimizer and the CLI ask of a catalog.
extension Catalog {
    /// Cloud names, sorted (`aws`, `azure`, `gcp`).
    public var clouds: [String] { Array(Set(regions.map(\.ref.cloud))).sorted() }

    /// Every instance type once, sorted by cloud and name.
    public var instanceTypes: [InstanceType] {
        Array(Set(offers.map(\.type))).sorted { ($0.cloud, $0.name) < ($1.cloud, $1.name) }
    }

    public func region(_ ref: RegionRef) -> Region? { regionIndex[ref] }

    public func regions(cloud: String) -> [Region] { regions.filter { $0.ref.cloud == cloud } }

    /// Reads a region the user wrote (`aws/us-east-1`) and checks the catalog has it; the error
    /// suggests the nearest known names (`aws/us-east-3` → `aws/us-east-1`, `aws/us-east-2`).
    public func resolveRegion(_ text: String) throws(CatalogError) -> Region {
        let ref: RegionRef
        do {
            ref = try RegionRef(parsing: text)
        } catch {
            // A bare region name ("eastus") is the usual slip: point at the refs that have it.
            let bare = text.trimmingBlanks().lowercased()
            let exact = regions.filter { $0.ref.region == bare }.map(\.ref.description)
            throw .malformedRegionRef(text, suggestions: exact.isEmpty
                ? Suggestions.nearest(to: bare, in: regions.map(\.ref.region)).flatMap { name in
                    regions.filter { $0.ref.region == name }.map(\.ref.description)
                }
                : exact)
        }
        if let region = regionIndex[ref] { return region }
        let known = clouds
        guard known.contains(ref.cloud) else {
            // "aws/eastus": the region exists, under another cloud.
            let elsewhere = regions.filter { $0.ref.region == ref.region }.map(\.ref.description)
            if !elsewhere.isEmpty { throw .unknownRegion(text, suggestions: elsewhere) }
            throw .unknownCloud(ref.cloud, known: known)
        }
        var suggestions = Suggestions.nearest(to: ref.description, in: regions.map(\.ref.description))
        if suggestions.isEmpty {
            suggestions = regions.filter { $0.ref.region == ref.region }.map(\.ref.description)
        }
        throw .unknownRegion(text, suggestions: suggestions)
    }

    public func offers(cloud: String) -> [Offer] { offers.filter { $0.region.cloud == cloud } }

    public func offers(in region: RegionRef) -> [Offer] { offerIndex[region] ?? [] }

    /// The offer of `typeName` in `region`; the error names the nearest types offered there.
    public func offer(_ typeName: String, in region: RegionRef) throws(CatalogError) -> Offer {
        try requireRegion(region)
        let here = offers(in: region)
        if let offer = here.first(where: { $0.type.name == typeName }) { return offer }
        throw .unknownInstanceType(typeName, region: region,
                                   suggestions: Suggestions.nearest(to: typeName, in: here.map(\.type.name)))
    }

    /// Internet egress, USD per GB, first tier, from `region` (see `EgressRates`).
    public func egressUsdPerGB(from region: RegionRef) throws(CatalogError) -> Double {
        try requireRegion(region)
        guard let usd = egress.usdPerGB(from: region) else { throw .missingEgressRate(region) }
        return usd
    }

    /// Round trip between two regions: the measured value when there is one, the same-region
    /// constant when `a == b`, else the great-circle estimate. Symmetric.
    public func rttMs(_ a: RegionRef, _ b: RegionRef) throws(CatalogError) -> RTT {
        let from = try requireRegion(a)
        let to = try requireRegion(b)
        if a == b { return RTT(ms: rttModel.sameRegionMs, basis: .sameRegion) }
        if let ms = rttIndex[RegionPair(a, b)] { return RTT(ms: ms, basis: .measured) }
        return rttModel.estimate(from: from.coordinate, to: to.coordinate)
    }

    /// Round trip from a place given by its coordinate (e.g. a participant's site): always the
    /// great-circle estimate, since nothing was measured from there.
    public func rttMs(from coordinate: Coordinate, to region: RegionRef) throws(CatalogError) -> RTT {
        guard coordinate.isValid else {
            throw .invalidValue(what: "coordinate", value: "\(coordinate)", expected: "latitude in -90...90 and longitude in -180...180")
        }
        let to = try requireRegion(region)
        return rttModel.estimate(from: coordinate, to: to.coordinate)
    }

    /// Converts with the catalog's currency rates (`currency.date`, `currency.source`).
    public func convert(_ amount: Double, from: String, to: String) throws(CatalogError) -> Double {
        try currency.convert(amount, from: from, to: to)
    }

    @discardableResult
    func requireRegion(_ ref: RegionRef) throws(CatalogError) -> Region {
        if let region = regionIndex[ref] { return region }
        return try resolveRegion(ref.description)
    }
}
