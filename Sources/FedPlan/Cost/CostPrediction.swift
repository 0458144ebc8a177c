import FedCatalog
import FedDigest
import FedSpec
import FedState
import Foundation

/// What the plan predicts a run will use and cost, by the placement model's formulas (README,
/// "The model") with the planner's duration rule (`RunDurationEstimate`). Kept in the state when
/// the run first starts (`run_predictions`), so `fedplane cost` compares a run with what was
/// predicted for it, not with what today's catalog or history would say.
///
/// Amounts are USD (the catalog's unit); `currency` is the spec's, for display. A private-cloud
/// aggregator has no catalog price: its costs are nil, its volumes and duration still predicted.
public struct CostPrediction: Sendable, Equatable {
    public struct Participant: Sendable, Equatable {
        public var name: String
        public var location: String
        public var egressGB: Double
        public var egressUSD: Double?
    }

    public var cloud: String
    public var provider: String
    public var region: String
    public var instanceType: String
    public var usdPerHour: Double?
    public var egressUsdPerGB: Double?
    public var currency: String
    public var catalogVersion: String
    public var modelBytes: Double
    public var duration: RunDurationEstimate
    public var participants: [Participant]
    /// A hierarchical plan's regional aggregators (empty for a flat one, whose document and
    /// figures are then as before): each one's compute over the run and its hop to the global
    /// aggregator (one round result up and one global model down per round, like a participant's,
    /// priced at the global aggregator's egress price).
    public var regionals: [Regional] = []

    public struct Regional: Sendable, Equatable {
        public var aggregator: String
        public var cloud: String
        public var provider: String
        public var region: String
        public var instanceType: String
        public var usdPerHour: Double?
        public var egressUsdPerGB: Double?
        public var participants: [String]
        public var hopGB: Double
    }

    /// What the plan recorded for a regional aggregator (its `aggregator.regional.<n>` inputs).
    public struct RegionalPlacement: Sendable {
        public var aggregator: String
        public var cloud: String
        public var region: String
        public var instanceType: String
        public var participants: [String]
        public init(aggregator: String, cloud: String, region: String, instanceType: String, participants: [String]) {
            self.aggregator = aggregator
            self.cloud = cloud
            self.region = region
            self.instanceType = instanceType
            self.participants = participants
        }
    }

    public func computeUSD(of r: Regional) -> Double? { r.usdPerHour.map { $0 * duration.hours } }
    public var regionalComputeUSD: Double? { regionals.reduce(Optional(0.0)) { s, r in s.flatMap { a in computeUSD(of: r).map { a + $0 } } } }
    public var hopGB: Double { regionals.reduce(0) { $0 + $1.hopGB } }
    /// A link is priced at its parent's egress price, both ways (as a participant's at its
    /// aggregator's, and as the placement optimizer prices it): the hop at the global aggregator's.
    public func hopUSD(of r: Regional) -> Double? { egressUsdPerGB.map { $0 * r.hopGB } }
    public var hopUSD: Double? { regionals.reduce(Optional(0.0)) { s, r in s.flatMap { a in hopUSD(of: r).map { a + $0 } } } }

    public var computeUSD: Double? { usdPerHour.map { $0 * duration.hours } }
    public var egressGB: Double { participants.reduce(0) { $0 + $1.egressGB } }
    /// Each participant's volume at its own aggregator's egress price (hierarchical), else at the aggregator's.
    public var egressUSD: Double? {
        guard !regionals.isEmpty else { return egressUsdPerGB.map { $0 * egressGB } }
        return participants.reduce(Optional(0.0)) { s, q in s.flatMap { a in q.egressUSD.map { a + $0 } } }
    }
    public var totalUSD: Double? {
        let flat = computeUSD.flatMap { c in egressUSD.map { c + $0 } }
        guard !regionals.isEmpty else { return flat }
        return flat.flatMap { f in regionalComputeUSD.flatMap { c in hopUSD.map { f + c + $0 } } }
    }

    /// The prediction for the next run of `spec` with the aggregator at `cloud/region/type`.
    public static func make(spec: Spec, catalog: Catalog, cloud: String, region: String, instanceType: String,
                            measured: RunTiming?, regionals placed: [RegionalPlacement] = []) -> CostPrediction {
        let provider = spec.cloud(named: cloud)?.provider
        let ref = provider.map { RegionRef(cloud: $0.rawValue, region: region) }
        let isPublic = provider?.isPublic == true
        let usdPerHour = isPublic ? ref.flatMap { try? catalog.offer(instanceType, in: $0) }?.usdPerHour : nil
        let egressRate = isPublic ? ref.flatMap { try? catalog.egressUsdPerGB(from: $0) } : nil
        let model = PlacementModel(spec: spec, catalog: catalog)
        let duration = RunDurationEstimate.forSpec(spec, measured: measured)
        // The placement model's volume: the model down and the update up, every round.
        let perParticipantGB = model.modelBytes * 2 * Double(spec.training.rounds) / 1e9
        let regionals = placed.map { r in
            let priced = make(spec: spec, catalog: catalog, cloud: r.cloud, region: r.region, instanceType: r.instanceType, measured: measured)
            return Regional(aggregator: r.aggregator, cloud: r.cloud, provider: priced.provider, region: r.region, instanceType: r.instanceType,
                            usdPerHour: priced.usdPerHour, egressUsdPerGB: priced.egressUsdPerGB, participants: r.participants,
                            hopGB: perParticipantGB)
        }
        var prediction = CostPrediction(
            cloud: cloud, provider: provider?.rawValue ?? "unknown", region: region, instanceType: instanceType,
            usdPerHour: usdPerHour, egressUsdPerGB: egressRate, currency: model.currency, catalogVersion: catalog.version,
            modelBytes: model.modelBytes, duration: duration,
            participants: spec.participants.map { p in
                // A participant's bytes leave through its own aggregator's region.
                let rate = regionals.first { $0.participants.contains(p.name) }.map(\.egressUsdPerGB) ?? egressRate
                return Participant(name: p.name, location: p.location, egressGB: perParticipantGB, egressUSD: rate.map { $0 * perParticipantGB })
            })
        prediction.regionals = regionals
        return prediction
    }

    // MARK: the stored document

    public var document: JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        var d: [String: JSONValue] = ["rule": .string(duration.rule.rawValue), "seconds": .number(duration.seconds),
                                      "rounds": .number(Double(duration.rounds)), "description": .string(duration.phrase)]
        if let r = duration.basedOnRun { d["based_on_run"] = .number(Double(r)) }
        if let m = duration.medianRoundSeconds { d["median_round_seconds"] = .number(m) }
        if let s = duration.startupSeconds { d["startup_seconds"] = .number(s) }
        if let s = duration.roundDeadlineSeconds { d["round_deadline_seconds"] = .number(s) }
        var o: [String: JSONValue] = [
            "format_version": "1.0",
            "aggregator": .object(["cloud": .string(cloud), "provider": .string(provider), "region": .string(region),
                                   "instance_type": .string(instanceType), "usd_per_hour": number(usdPerHour)]),
            "currency": .string(currency), "catalog_version": .string(catalogVersion), "model_bytes": .number(modelBytes),
            "duration": .object(d),
            "compute_usd": number(computeUSD),
            "egress_usd_per_gb": number(egressUsdPerGB),
            "participants": .array(participants.map {
                .object(["participant": .string($0.name), "location": .string($0.location), "egress_gb": .number($0.egressGB),
                         "egress_usd": number($0.egressUSD)])
            }),
        ]
        if !regionals.isEmpty {
            o["regional"] = .array(regionals.map {
                .object(["aggregator": .string($0.aggregator), "cloud": .string($0.cloud), "provider": .string($0.provider),
                         "region": .string($0.region), "instance_type": .string($0.instanceType), "usd_per_hour": number($0.usdPerHour),
                         "egress_usd_per_gb": number($0.egressUsdPerGB), "participants": .array($0.participants.map { .string($0) }),
                         "hop_gb": .number($0.hopGB)])
            })
        }
        return .object(o)
    }

    /// Reads a stored document back; nil when it is not one this fedplane understands.
    public init?(document v: JSONValue) {
        guard let a = v["aggregator"], let d = v["duration"], let rule = d["rule"]?.stringValue.flatMap(RunDurationEstimate.Rule.init),
              let seconds = d["seconds"]?.numberValue, case .array(let ps)? = v["participants"] else { return nil }
        cloud = a["cloud"]?.stringValue ?? ""
        provider = a["provider"]?.stringValue ?? ""
        region = a["region"]?.stringValue ?? ""
        instanceType = a["instance_type"]?.stringValue ?? ""
        usdPerHour = a["usd_per_hour"]?.numberValue
        egressUsdPerGB = v["egress_usd_per_gb"]?.numberValue
        currency = v["currency"]?.stringValue ?? "USD"
        catalogVersion = v["catalog_version"]?.stringValue ?? ""
        modelBytes = v["model_bytes"]?.numberValue ?? 0
        duration = RunDurationEstimate(rule: rule, seconds: seconds, rounds: Int(d["rounds"]?.numberValue ?? 0),
                                       basedOnRun: d["based_on_run"]?.numberValue.map { Int($0) },
                                       medianRoundSeconds: d["median_round_seconds"]?.numberValue,
                                       startupSeconds: d["startup_seconds"]?.numberValue,
                                       roundDeadlineSeconds: d["round_deadline_seconds"]?.numberValue)
        participants = ps.map {
            Participant(name: $0["participant"]?.stringValue ?? "", location: $0["location"]?.stringValue ?? "",
                        egressGB: $0["egress_gb"]?.numberValue ?? 0, egressUSD: $0["egress_usd"]?.numberValue)
        }
        if case .array(let rs)? = v["regional"] {
            regionals = rs.map { r in
                var members: [String] = []
                if case .array(let m)? = r["participants"] { members = m.compactMap(\.stringValue) }
                return Regional(aggregator: r["aggregator"]?.stringValue ?? "", cloud: r["cloud"]?.stringValue ?? "",
                                provider: r["provider"]?.stringValue ?? "", region: r["region"]?.stringValue ?? "",
                                instanceType: r["instance_type"]?.stringValue ?? "", usdPerHour: r["usd_per_hour"]?.numberValue,
                                egressUsdPerGB: r["egress_usd_per_gb"]?.numberValue, participants: members, hopGB: r["hop_gb"]?.numberValue ?? 0)
            }
        }
    }

    init(cloud: String, provider: String, region: String, instanceType: String, usdPerHour: Double?, egressUsdPerGB: Double?,
         currency: String, catalogVersion: String, modelBytes: Double, duration: RunDurationEstimate, participants: [Participant]) {
        self.cloud = cloud
        self.provider = provider
        self.region = region
        self.instanceType = instanceType
        self.usdPerHour = usdPerHour
        self.egressUsdPerGB = egressUsdPerGB
        self.currency = currency
        self.catalogVersion = catalogVersion
        self.modelBytes = modelBytes
        self.duration = duration
        self.participants = participants
    }
}

extension Workspace {
    /// Records the prediction for run `number` when it first starts (a resumed run keeps its own):
    /// the aggregator as recorded in the state, the duration by the planner's rule.
    func recordPrediction(_ store: any StateBackend, run number: Int) throws {
        guard try store.prediction(run: number) == nil else { return }
        let snapshot = try store.snapshot()
        let inputs = snapshot.resource(at: "aggregator.main").map { RecordedResource($0).inputs } ?? [:]
        // A hierarchical plan's regional aggregators, as recorded (ordered by their number).
        let regionals = snapshot.resources.filter { $0.address.hasPrefix("aggregator.regional.") && $0.type == "aggregator" }
            .sorted { $0.address.count == $1.address.count ? $0.address < $1.address : $0.address.count < $1.address.count }
            .map { row -> CostPrediction.RegionalPlacement in
                let i = RecordedResource(row).inputs
                var members: [String] = []
                if case .array(let m)? = i["participants"] { members = m.compactMap(\.stringValue) }
                return .init(aggregator: row.address, cloud: i["cloud"]?.stringValue ?? "", region: i["region"]?.stringValue ?? "",
                             instanceType: i["instanceType"]?.stringValue ?? "", participants: members)
            }
        let prediction = CostPrediction.make(
            spec: spec, catalog: catalog, cloud: inputs["cloud"]?.stringValue ?? "", region: inputs["region"]?.stringValue ?? "",
            instanceType: inputs["instanceType"]?.stringValue ?? "", measured: snapshot.measuredRun, regionals: regionals)
        try store.write { tx in
            _ = try tx.recordPrediction(PredictionRecord(run: number, document: prediction.document.canonical, created: tx.now))
        }
    }
}
