/// Turns the generated text tables (BundledCatalogData.swift) into `Catalog.bundled`.
enum BundledCatalog {
    static func load() -> Catalog {
        do {
            return try parse()
        } catch {
            // Only a broken generator gets here, and the tests parse the same data first.
            fatalError("FedCatalog: \(error)")
        }
    }

    static func parse() throws(CatalogError) -> Catalog {
        let data = BundledCatalogData.self

        var regions: [Region] = []
        for row in try Table("regions", data.regions, columns: 7).rows {
            guard let area = Area(rawValue: row[6]) else { throw row.bad("unknown area \(row[6])") }
            regions.append(Region(ref: RegionRef(cloud: row[0], region: row[1]), city: row[2], country: row[3],
                                  coordinate: Coordinate(latitude: try row.double(4), longitude: try row.double(5)), area: area))
        }

        var offers: [Offer] = []
        for row in try Table("offers", data.offers, columns: 7).rows {
            let type = InstanceType(cloud: row[0], name: row[2], vcpu: try row.int(3), memoryGiB: try row.double(4))
            offers.append(Offer(region: RegionRef(cloud: row[0], region: row[1]), type: type,
                                usdPerHour: try row.double(5), spotUsdPerHour: row[6].isEmpty ? nil : try row.double(6)))
        }

        var rtts: [RTTMeasurement] = []
        for row in try Table("rtts", data.rtts, columns: 3).rows {
            rtts.append(RTTMeasurement(try row.ref(0), try row.ref(1), ms: try row.double(2)))
        }

        var cloudEgress: [String: Double] = [:]
        for row in try Table("cloudEgress", data.cloudEgress, columns: 2).rows { cloudEgress[row[0]] = try row.double(1) }
        var regionEgress: [RegionRef: Double] = [:]
        for row in try Table("regionEgress", data.regionEgress, columns: 2).rows { regionEgress[try row.ref(0)] = try row.double(1) }

        var rates: [String: Double] = [:]
        for row in try Table("currencyRates", data.currencyRates, columns: 2).rows { rates[row[0]] = try row.double(1) }

        return try Catalog(
            edition: data.edition, regions: regions, offers: offers, measuredRTTs: rtts,
            egress: EgressRates(perCloudUsdPerGB: cloudEgress, perRegionUsdPerGB: regionEgress),
            rttModel: RTTModel(msPer100Km: data.rttMsPer100Km, sameRegionMs: data.sameRegionRttMs,
                               minimumMs: data.minimumFallbackRttMs),
            currency: try CurrencyRates(base: data.currencyBase, date: data.currencyDate,
                                        source: data.currencySource, unitsPerBase: rates))
    }
}

/// A pipe-separated table without header; fields never contain `|` (the generator checks).
private struct Table {
    struct Row {
        let table: String
        let line: Int
        let fields: [Substring]

        subscript(_ i: Int) -> String { String(fields[i]) }

        func double(_ i: Int) throws(CatalogError) -> Double {
            guard let value = Double(fields[i]), value.isFinite else { throw bad("\"\(fields[i])\" is not a number") }
            return value
        }

        func int(_ i: Int) throws(CatalogError) -> Int {
            guard let value = Int(fields[i]) else { throw bad("\"\(fields[i])\" is not an integer") }
            return value
        }

        /// `cloud/region` as the generator wrote it (lowercase, checked there); `Catalog.init`
        /// rejects a ref to a region it does not define.
        func ref(_ i: Int) throws(CatalogError) -> RegionRef {
            let field = fields[i]
            guard let cut = field.utf8.firstIndex(of: UInt8(ascii: "/")) else { throw bad("\"\(field)\" is not cloud/region") }
            return RegionRef(cloud: String(field[..<cut]), region: String(field[field.index(after: cut)...]))
        }

        func bad(_ reason: String) -> CatalogError { .malformedBundledData(table: table, line: line, reason: reason) }
    }

    let rows: [Row]

    /// Splits on UTF-8 bytes: splitting on Characters (grapheme clusters) took most of the load time.
    init(_ name: String, _ text: String, columns: Int) throws(CatalogError) {
        var rows: [Row] = []
        let newline = UInt8(ascii: "\n"), bar = UInt8(ascii: "|")
        for (i, line) in text.utf8.split(separator: newline, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let fields = line.split(separator: bar, omittingEmptySubsequences: false).map { Substring($0) }
            let row = Row(table: name, line: i + 1, fields: fields)
            guard row.fields.count == columns else { throw row.bad("\(row.fields.count) fields, expected \(columns)") }
            rows.append(row)
        }
        self.rows = rows
    }
}
