import FedCatalog
import FedDigest
import FedSpec
import Foundation

/// `fedplane cost` output: per finished run, predicted vs actual per component (duration,
/// aggregator VM-hours and compute, egress per participant and in total, the total cost).
public struct CostReport {
    public let runs: [RunCost]
    public let catalog: Catalog

    public init(runs: [RunCost], catalog: Catalog) {
        self.runs = runs
        self.catalog = catalog
    }

    public static let noRuns = "No finished training run is recorded yet: `fedplane apply` trains one, and `fedplane cost` then compares what was predicted for it with what it used.\n"

    // MARK: text

    public var human: String {
        guard !runs.isEmpty else { return Self.noRuns }
        return runs.map(text).joined(separator: "\n")
    }

    func text(_ c: RunCost) -> String {
        let p = c.prediction
        var out = "run \(c.run.run) — \(c.run.status.rawValue), \(c.roundsCommitted) round\(c.roundsCommitted == 1 ? "" : "s"); aggregator \(c.cloud) (\(c.provider)) / \(c.region) / \(c.instanceType)\n"
        if let p {
            out += "  predicted when it started (catalog \(p.catalogVersion)); duration rule: \(p.duration.phrase)\n"
        } else {
            out += "  no prediction recorded (the run started before fedplane recorded predictions): actual use only\n"
        }
        var rows: [[String]] = [["component", "predicted", "actual", "difference"]]
        func row(_ name: String, _ predicted: Double?, _ actual: Double?, _ show: (Double) -> String, missing: String = "—") {
            rows.append([name, predicted.map(show) ?? (p == nil ? "—" : missing), actual.map(show) ?? missing, Self.difference(predicted, actual)])
        }
        row("duration (aggregator running)", p?.duration.seconds, c.aggregatorSeconds, RunDurationEstimate.seconds)
        row("aggregator VM-hours", p?.duration.hours, c.aggregatorHours) { Self.number($0) + " h" }
        row("aggregator compute", p?.computeUSD, c.computeUSD, money, missing: c.usdPerHour == nil ? "no price" : "—")
        let predictedByName = Dictionary((p?.participants ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let names = Array(Set(predictedByName.keys).union(c.participants.map(\.participant))).sorted()
        let used = Dictionary(c.participants.map { ($0.participant, $0) }, uniquingKeysWith: { a, _ in a })
        for name in names {
            row("egress \(name) (volume)", predictedByName[name]?.egressGB, used[name]?.gb ?? (c.hasTraffic ? 0 : nil), Self.volume,
                missing: "not measured")
        }
        row("egress total (volume)", p?.egressGB, c.hasTraffic ? c.egressGB : nil, Self.volume, missing: "not measured")
        row("egress cost", p?.egressUSD, c.hasTraffic ? c.egressUSD : nil, money, missing: c.egressUsdPerGB == nil ? "no price" : "not measured")
        // A hierarchical run's regional aggregators and their hop to the global one, next to
        // what the plan predicted for each (runs predicted before fedplane priced them: none).
        for r in c.regionals {
            let q = p?.regionals.first { $0.aggregator == r.aggregator }
            let none = q == nil ? "not predicted" : "no price"
            let priceMissing = r.usdPerHour == nil ? "no price" : "—"
            let egressMissing = c.egressUsdPerGB == nil ? "no price" : "—"
            func add(_ name: String, _ predicted: Double?, _ actual: Double?, _ show: (Double) -> String, missing: String) {
                rows.append([name, predicted.map(show) ?? none, actual.map(show) ?? missing, Self.difference(predicted, actual)])
            }
            add("\(r.aggregator) VM-hours", q.flatMap { _ in p?.duration.hours }, r.hours, { Self.number($0) + " h" }, missing: "—")
            add("\(r.aggregator) compute", q.flatMap { p?.computeUSD(of: $0) }, r.computeUSD, { money($0) }, missing: priceMissing)
            add("hop \(r.contributor) ↔ global (volume)", q?.hopGB, r.hopGB, Self.volume, missing: "—")
            add("hop \(r.contributor) ↔ global cost", q.flatMap { p?.hopUSD(of: $0) }, c.hopUSD(of: r), { money($0) }, missing: egressMissing)
        }
        row("total cost", p?.totalUSD, c.hasTraffic ? c.totalUSD : nil, money, missing: c.usdPerHour == nil || c.egressUsdPerGB == nil ? "no price" : "—")
        out += "\n" + Self.table(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n\n"
        var notes: [String] = []
        if c.usdPerHour == nil {
            notes.append("the aggregator's cloud \(c.cloud) is \(c.provider == "unknown" ? "not in the spec" : "a \(c.provider) cloud") with no catalog price: costs are not computed, volumes and time are")
        }
        for u in c.participants {
            notes.append("\(u.participant): \(Self.bytes(u.bytesUp)) up (its updates), \(Self.bytes(u.bytesDown)) down (global models)")
        }
        for r in c.regionals {
            notes.append("\(r.aggregator) (\(r.cloud) / \(r.region) / \(r.instanceType)) serves \(r.participants.joined(separator: ", ")): " +
                         "\(Self.bytes(r.hopBytesUp)) up (its round results to the global aggregator), \(Self.bytes(r.hopBytesDown)) down (global models)" +
                         (r.usdPerHour == nil ? "; no catalog price" : "") +
                         (r.openSessions > 0 ? "; \(r.openSessions) session(s) with no recorded stop, not counted" : ""))
        }
        if !c.regionals.isEmpty {
            notes.append("hierarchical run: participants' bytes are priced at their own aggregator's region; the total includes the regional aggregators and the hop" +
                         (p.map { $0.regionals.isEmpty ? ", which this run's prediction does not" : ", as the prediction does" } ?? ""))
        }
        if !c.hasTraffic { notes.append("no bytes were recorded for this run (a Flower run, or a fedplane before traffic was measured)") }
        if c.openSessions > 0 {
            notes.append("\(c.openSessions) aggregator session\(c.openSessions == 1 ? " has" : "s have") no recorded stop (its fedplane was killed): VM-hours count only the closed ones")
        }
        notes.append("measured: rounds \(RunDurationEstimate.seconds(c.roundSeconds)) in total" + (c.wallSeconds.map { ", run wall time \(RunDurationEstimate.seconds($0))" } ?? ""))
        if let p, p.modelBytes == PlacementModel.defaultModelBytes {
            notes.append("predicted with the 1 MB default model size: the spec gives neither training.model.size nor a model file")
        }
        if let p, p.catalogVersion != c.catalogVersion { notes.append("actual costs use today's catalog \(c.catalogVersion)") }
        if (p?.currency ?? c.currency) != "USD" { notes.append("amounts in \(c.currency) at the catalog's rates") }
        out += notes.map { "  - \($0)\n" }.joined()
        return out
    }

    func money(_ usd: Double, currency: String) -> String {
        let amount = (try? catalog.convert(usd, from: "USD", to: currency)) ?? usd
        let unit = (try? catalog.convert(usd, from: "USD", to: currency)) == nil ? "USD" : currency
        return "\(Self.number(amount)) \(unit)"
    }

    func money(_ usd: Double) -> String { money(usd, currency: runs.first?.currency ?? "USD") }

    /// Plain numbers: whole above 100, else four significant digits.
    static func number(_ x: Double) -> String {
        if x == 0 { return "0" }
        if abs(x) >= 100 { return String(Int(x.rounded())) }
        return String(format: "%.4g", x)
    }

    static func volume(_ gb: Double) -> String { gb >= 1 ? "\(number(gb)) GB" : "\(number(gb * 1000)) MB" }

    static func bytes(_ b: Int) -> String { "\(b) bytes" }

    static func difference(_ predicted: Double?, _ actual: Double?) -> String {
        guard let p = predicted, let a = actual else { return "" }
        guard p != 0 else { return a == 0 ? "0 %" : "" }
        let pct = (a - p) / p * 100
        return (pct >= 0 ? "+" : "−") + String(format: "%.1f %%", abs(pct))
    }

    static func table(_ rows: [[String]]) -> String {
        let widths = (0..<rows[0].count).map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { r in
            r.enumerated().map { i, cell in i == r.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    // MARK: JSON

    public var json: JSONValue {
        let list: [JSONValue] = runs.map(Self.document)
        return .object(["format_version": "1.0", "catalog_version": .string(catalog.version), "runs": .array(list)])
    }

    static func value(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }

    static func document(_ c: RunCost) -> JSONValue {
        let aggregator: [String: JSONValue] = [
            "cloud": .string(c.cloud), "provider": .string(c.provider), "region": .string(c.region),
            "instance_type": .string(c.instanceType), "usd_per_hour": value(c.usdPerHour)]
        let predicted: JSONValue = c.prediction.map(Self.predicted) ?? .null
        return .object([
            "run": .number(Double(c.run.run)), "status": .string(c.run.status.rawValue),
            "rounds": .number(Double(c.roundsCommitted)), "currency": .string(c.currency),
            "aggregator": .object(aggregator), "predicted": predicted, "actual": actual(c),
        ])
    }

    static func predicted(_ p: CostPrediction) -> JSONValue {
        let participants: [JSONValue] = p.participants.map { q in
            let o: [String: JSONValue] = ["participant": .string(q.name), "location": .string(q.location),
                                          "egress_gb": .number(q.egressGB), "egress_usd": value(q.egressUSD)]
            return .object(o)
        }
        var o: [String: JSONValue] = ["duration_seconds": .number(p.duration.seconds), "duration_rule": .string(p.duration.rule.rawValue),
                                      "duration_description": .string(p.duration.phrase), "aggregator_hours": .number(p.duration.hours)]
        o["compute_usd"] = value(p.computeUSD)
        o["egress_gb"] = .number(p.egressGB)
        o["egress_usd"] = value(p.egressUSD)
        o["total_usd"] = value(p.totalUSD)
        o["catalog_version"] = .string(p.catalogVersion)
        o["currency"] = .string(p.currency)
        o["participants"] = .array(participants)
        if !p.regionals.isEmpty {
            o["regional_aggregators"] = .array(p.regionals.map { r in
                var q: [String: JSONValue] = ["aggregator": .string(r.aggregator), "cloud": .string(r.cloud), "provider": .string(r.provider),
                                              "region": .string(r.region), "instance_type": .string(r.instanceType)]
                q["usd_per_hour"] = value(r.usdPerHour)
                q["egress_usd_per_gb"] = value(r.egressUsdPerGB)
                q["participants"] = .array(r.participants.map { .string($0) })
                q["aggregator_hours"] = .number(p.duration.hours)
                q["compute_usd"] = value(p.computeUSD(of: r))
                q["hop_egress_gb"] = .number(r.hopGB)
                q["hop_egress_usd"] = value(p.hopUSD(of: r))
                return .object(q)
            })
            o["regional_compute_usd"] = value(p.regionalComputeUSD)
            o["hop_egress_gb"] = .number(p.hopGB)
            o["hop_egress_usd"] = value(p.hopUSD)
        }
        return .object(o)
    }

    static func actual(_ c: RunCost) -> JSONValue {
        let rate = c.egressUsdPerGB
        let participants: [JSONValue] = c.participants.map { u in
            var o: [String: JSONValue] = ["participant": .string(u.participant), "bytes_up": .number(Double(u.bytesUp)),
                                          "bytes_down": .number(Double(u.bytesDown)), "egress_gb": .number(u.gb),
                                          "egress_usd": value(rate.map { $0 * u.gb })]
            if !c.regionals.isEmpty {
                o["egress_usd"] = value(c.egressRate(of: u.participant).map { $0 * u.gb })
                o["aggregator"] = .string(c.regionals.first { $0.participants.contains(u.participant) }?.aggregator ?? "aggregator.main")
            }
            return .object(o)
        }
        var o: [String: JSONValue] = ["duration_seconds": value(c.aggregatorSeconds), "aggregator_hours": value(c.aggregatorHours)]
        o["open_sessions"] = .number(Double(c.openSessions))
        o["round_seconds"] = .number(c.roundSeconds)
        o["wall_seconds"] = value(c.wallSeconds)
        o["compute_usd"] = value(c.computeUSD)
        o["egress_usd_per_gb"] = value(rate)
        o["egress_gb"] = c.hasTraffic ? .number(c.egressGB) : .null
        o["egress_usd"] = c.hasTraffic ? value(c.egressUSD) : .null
        o["total_usd"] = c.hasTraffic ? value(c.totalUSD) : .null
        o["participants"] = .array(participants)
        if !c.regionals.isEmpty {
            o["regional_aggregators"] = .array(c.regionals.map { regional($0, hopUSD: c.hopUSD(of: $0)) })
            o["regional_compute_usd"] = value(c.regionalComputeUSD)
            o["hop_egress_gb"] = .number(c.hopGB)
            o["hop_egress_usd"] = value(c.hopUSD)
        }
        return .object(o)
    }

    static func regional(_ r: RunCost.RegionalUse, hopUSD: Double?) -> JSONValue {
        var o: [String: JSONValue] = ["aggregator": .string(r.aggregator), "cloud": .string(r.cloud), "provider": .string(r.provider),
                                      "region": .string(r.region), "instance_type": .string(r.instanceType)]
        o["usd_per_hour"] = value(r.usdPerHour)
        o["egress_usd_per_gb"] = value(r.egressUsdPerGB)
        o["participants"] = .array(r.participants.map { .string($0) })
        o["duration_seconds"] = value(r.seconds)
        o["aggregator_hours"] = value(r.hours)
        o["open_sessions"] = .number(Double(r.openSessions))
        o["compute_usd"] = value(r.computeUSD)
        o["hop_bytes_up"] = .number(Double(r.hopBytesUp))
        o["hop_bytes_down"] = .number(Double(r.hopBytesDown))
        o["hop_egress_gb"] = .number(r.hopGB)
        o["hop_egress_usd"] = value(hopUSD)
        return .object(o)
    }
}
