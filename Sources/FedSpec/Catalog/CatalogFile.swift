import Foundation

/// A user's catalog file (`catalog: ./my-catalog.yaml` in a spec), decoded with the same YAML
/// rules and positioned errors as specs. Values stay plain here: FedPlan turns them into a
/// catalog overlay (FedSpec does not depend on the catalog module).
public struct CatalogFile: Sendable {
    public struct RegionEntry: Sendable {
        public var ref: String, city: String, country: String
        public var latitude: Double, longitude: Double, area: String
        public var mark: SourceMark
    }
    public struct OfferEntry: Sendable {
        public var region: String, type: String, vcpu: Int, memoryGiB: Double
        public var usdPerHour: Double, spotUsdPerHour: Double?
        public var mark: SourceMark
    }
    public struct RTTEntry: Sendable {
        public var a: String, b: String, ms: Double
        public var mark: SourceMark
    }
    public struct Rates: Sendable {
        public var base: String, date: String, source: String
        public var rates: [String: Double]
        public var mark: SourceMark
    }

    public var file: String
    public var name: String
    public var regions: [RegionEntry] = []
    public var offers: [OfferEntry] = []
    public var rtts: [RTTEntry] = []
    public var cloudEgress: [String: Double] = [:]
    public var regionEgress: [String: Double] = [:]
    public var egressMark: SourceMark?
    public var currency: Rates?
    public var mark: SourceMark

    /// Reads and decodes a catalog file; nil with every problem when it has errors.
    public static func load(path: String) -> (file: CatalogFile?, diagnostics: Diagnostics) {
        func fail(_ message: String, _ mark: SourceMark? = nil) -> (CatalogFile?, Diagnostics) {
            (nil, Diagnostics([Diagnostic(.error, file: path, mark: mark, path: "", message: message)]))
        }
        let bytes: [UInt8]
        do {
            bytes = try ReferencedFile.read(path, kind: .catalog)
        } catch {
            if error.reason == "no such file" { return fail("catalog file not found (named by the spec's catalog:)") }
            return fail("\(error.reason) (named by the spec's catalog:)")
        }
        let ctx = DecodeContext(file: path)
        let (root, errors) = YAMLParser().parse(bytes)
        // A file that is not a catalog at all is said so once, without quoting any of it.
        if let first = errors.first {
            return fail("not a fedplane catalog file (\(first.message))", first.mark)
        }
        guard let root else { return fail("not a fedplane catalog file (it is empty)") }
        guard case .mapping(let pairs) = root.kind,
              pairs.isEmpty || pairs.contains(where: { Self.keys.contains($0.key.scalar ?? "") }) else {
            return fail("not a fedplane catalog file: expected a YAML mapping with \(Self.keys.joined(separator: ", "))", root.mark)
        }
        let decoded = CatalogFileDecoder(ctx: ctx).decode(root)
        return (ctx.diagnostics.hasErrors ? nil : decoded, ctx.diagnostics)
    }

    static let keys = ["name", "regions", "offers", "rtts", "egress", "currency"]
}

struct CatalogFileDecoder {
    let ctx: DecodeContext

    func decode(_ root: YAMLNode) -> CatalogFile? {
        let top = Field(node: root, path: .root, ctx: ctx)
        guard let m = top.mapping(CatalogFile.keys) else { return nil }
        var out = CatalogFile(file: ctx.file, name: m["name"]?.text() ?? "overlay", mark: root.mark)
        for f in m["regions"]?.sequence() ?? [] {
            guard let r = f.mapping(["ref", "city", "country", "latitude", "longitude", "area"]) else { continue }
            if let ref = r.required("ref")?.text(), let city = r.required("city")?.text(), let country = r.required("country")?.text(),
               let lat = r.required("latitude")?.double(), let lon = r.required("longitude")?.double(), let area = r.required("area")?.text() {
                out.regions.append(.init(ref: ref, city: city, country: country, latitude: lat, longitude: lon, area: area, mark: f.mark))
            }
        }
        for f in m["offers"]?.sequence() ?? [] {
            guard let o = f.mapping(["region", "type", "vcpu", "memoryGiB", "usdPerHour", "spotUsdPerHour"]) else { continue }
            if let region = o.required("region")?.text(), let type = o.required("type")?.text(),
               let vcpu = o.required("vcpu")?.int(atLeast: 1), let mem = o.required("memoryGiB")?.double(positive: true),
               let price = o.required("usdPerHour")?.double(nonNegative: true) {
                let spot = o["spotUsdPerHour"]?.double(nonNegative: true)
                out.offers.append(.init(region: region, type: type, vcpu: vcpu, memoryGiB: mem, usdPerHour: price, spotUsdPerHour: spot, mark: f.mark))
            }
        }
        for f in m["rtts"]?.sequence() ?? [] {
            guard let r = f.mapping(["between", "ms"]) else { continue }
            if let pair = r.required("between")?.stringList(), let ms = r.required("ms")?.double(positive: true) {
                guard pair.count == 2 else { r["between"]?.error("expected two regions, e.g. [aws/us-east-1, aws/sa-east-1]"); continue }
                out.rtts.append(.init(a: pair[0], b: pair[1], ms: ms, mark: f.mark))
            }
        }
        if let ef = m["egress"], let e = ef.mapping(["clouds", "regions"]) {
            out.egressMark = ef.mark
            out.cloudEgress = prices(e["clouds"])
            out.regionEgress = prices(e["regions"])
        }
        if let cf = m["currency"], let c = cf.mapping(["base", "date", "source", "rates"]),
           let base = c.required("base")?.text(), let date = c.required("date")?.text(), let source = c.required("source")?.text() {
            out.currency = .init(base: base, date: date, source: source, rates: prices(c.required("rates")), mark: cf.mark)
        }
        return out
    }

    /// A mapping of names to non-negative numbers.
    private func prices(_ f: Field?) -> [String: Double] {
        guard let f else { return [:] }
        guard case .mapping(let pairs) = f.node.kind else {
            f.error("expected a mapping of names to numbers, got \(f.got)")
            return [:]
        }
        var out: [String: Double] = [:]
        for p in pairs {
            guard let key = p.key.scalar else { continue }
            if let v = Field(node: p.value, path: f.path.appending(key), ctx: ctx).double(nonNegative: true) { out[key] = v }
        }
        return out
    }
}
