import FedDigest
/// The catalog as sorted text lines, one fact a line; its SHA-256 is the catalog's content hash,
/// so any change of a price, RTT, coordinate, rate or model constant changes `Catalog.version`.
/// catalog/generate.py writes the same lines; keep the two in step (a test compares the hashes).
/// Expects `regions` sorted by ref, `offers` by region then type name, `rtts` by pair with `a < b`
/// (what `Catalog` keeps); keys are ASCII, where String order is byte order, as in Python.
/// Descriptive text that does not change a plan (the rate source) is left out on purpose.
enum CatalogCanonicalForm {
    static func lines(
        regions: [Region], offers: [Offer], rtts: [RTTMeasurement],
        egress: EgressRates, rttModel: RTTModel, currency: CurrencyRates
    ) -> [String] {
        var lines = [
            "model|rtt-ms-per-100km|\(rttModel.msPer100Km)",
            "model|same-region-ms|\(rttModel.sameRegionMs)",
            "model|min-fallback-ms|\(rttModel.minimumMs)",
            "fx|base|\(currency.base)",
            "fx|date|\(currency.date)",
        ]
        // Sections in a fixed order, each sorted by its key (regions, offers and RTTs arrive sorted).
        for r in regions {
            lines.append("region|\(r.ref)|\(r.city)|\(r.country)|\(r.latitude)|\(r.longitude)|\(r.area.rawValue)")
        }
        for o in offers {
            let spot = o.spotUsdPerHour.map { "\($0)" } ?? "-"
            lines.append("offer|\(o.region)|\(o.type.name)|\(o.type.vcpu)|\(o.type.memoryGiB)|\(o.usdPerHour)|\(spot)")
        }
        for m in rtts {
            lines.append("rtt|\(m.a)|\(m.b)|\(m.ms)")
        }
        for (cloud, usd) in egress.perCloudUsdPerGB.sorted(by: { $0.key < $1.key }) { lines.append("egress|\(cloud)|\(usd)") }
        for (ref, usd) in egress.perRegionUsdPerGB.sorted(by: { $0.key < $1.key }) { lines.append("egress|\(ref)|\(usd)") }
        for (code, rate) in currency.unitsPerBase.sorted(by: { $0.key < $1.key }) { lines.append("fx|\(code)|\(rate)") }
        return lines
    }

    static func sha256(of lines: [String]) -> String {
        var text = ""
        text.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
        for line in lines {
            text += line
            text += "\n"
        }
        return SHA256.hex(text)
    }
}
