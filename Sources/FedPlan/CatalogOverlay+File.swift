import FedCatalog
import FedSpec

extension CatalogOverlay {
    /// The overlay a user's catalog file describes. Catalog errors (an unknown region, a bad area,
    /// rates that do not parse) come back as diagnostics at the entry's position.
    static func from(_ file: CatalogFile) -> (overlay: CatalogOverlay?, diagnostics: Diagnostics) {
        var d = Diagnostics()
        func fail(_ mark: SourceMark?, _ path: String, _ message: String) {
            d.append(Diagnostic(.error, file: file.file, mark: mark, path: path, message: message))
        }
        var overlay = CatalogOverlay(name: file.name)
        for (i, r) in file.regions.enumerated() {
            do {
                guard let area = Area(rawValue: r.area) else {
                    fail(r.mark, "regions[\(i)].area", "unknown area \"\(r.area)\"; expected one of \(Area.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                overlay.regions.append(Region(ref: try RegionRef(parsing: r.ref), city: r.city, country: r.country,
                                              coordinate: Coordinate(latitude: r.latitude, longitude: r.longitude), area: area))
            } catch { fail(r.mark, "regions[\(i)].ref", "\(error)") }
        }
        for (i, o) in file.offers.enumerated() {
            do {
                let ref = try RegionRef(parsing: o.region)
                overlay.offers.append(Offer(region: ref, type: InstanceType(cloud: ref.cloud, name: o.type, vcpu: o.vcpu, memoryGiB: o.memoryGiB),
                                            usdPerHour: o.usdPerHour, spotUsdPerHour: o.spotUsdPerHour))
            } catch { fail(o.mark, "offers[\(i)].region", "\(error)") }
        }
        for (i, r) in file.rtts.enumerated() {
            do { overlay.rtts.append(RTTMeasurement(try RegionRef(parsing: r.a), try RegionRef(parsing: r.b), ms: r.ms)) }
            catch { fail(r.mark, "rtts[\(i)].between", "\(error)") }
        }
        overlay.cloudEgressUsdPerGB = file.cloudEgress
        for (key, v) in file.regionEgress {
            do { overlay.regionEgressUsdPerGB[try RegionRef(parsing: key)] = v }
            catch { fail(file.egressMark, "egress.regions.\(key)", "\(error)") }
        }
        if let c = file.currency {
            do { overlay.currency = try CurrencyRates(base: c.base, date: c.date, source: c.source, unitsPerBase: c.rates) }
            catch { fail(c.mark, "currency", "\(error)") }
        }
        return (d.hasErrors ? nil : overlay, d)
    }
}

extension Catalog {
    /// The bundled catalog with the spec's catalog file applied, if it names one.
    static func forSpec(_ spec: Spec, specDirectory: String) -> (catalog: Catalog?, diagnostics: Diagnostics) {
        guard let name = spec.catalogFile else { return (.bundled, Diagnostics()) }
        let path = ((name.hasPrefix("/") ? name : (specDirectory as NSString).appendingPathComponent(name)) as NSString).standardizingPath
        let (file, d) = CatalogFile.load(path: path)
        guard let file else { return (nil, d) }
        let (overlay, od) = CatalogOverlay.from(file)
        guard let overlay else { return (nil, od) }
        do {
            return (try Catalog.bundled.merging(overlay), Diagnostics())
        } catch {
            return (nil, Diagnostics([Diagnostic(.error, file: path, mark: file.mark, path: "", message: "\(error)")]))
        }
    }
}

import Foundation
