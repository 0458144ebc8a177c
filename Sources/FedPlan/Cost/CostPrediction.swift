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

    public var computeUSD: Double? { usdPerHour.map { $0 * duration.hours } }
    public var egressGB: Double { participants.reduce(0) { $0 + $1.egressGB } }
    public var egressUSD: Double? { egressUsdPerGB.map { $0 * egressGB } }
    public var totalUSD: Double? { computeUSD.flatMap { c in egressUSD.map { c + $0 } } }

    /// The prediction for the next run of `spec` with the aggregator at `cloud/region/type`.
    public static func make(spec: Spec, catalog: Catalog, cloud: String, region: String, instanceType: String,
                            measured: RunTiming?) -> CostPrediction {
        let provider = spec.cloud(named: cloud)?.provider
        let ref = provider.map { RegionRef(cloud: $0.rawValue, region: region) }
        let isPublic = provider?.isPublic == true
        let usdPerHour = isPublic ? ref.flatMap { try? catalog.offer(instanceType, in: $0) }?.usdPerHour : nil
        let egressRate = isPublic ? ref.flatMap { try? catalog.egressUsdPerGB(from: $0) } : nil
        let model = PlacementModel(spec: spec, catalog: catalog)
        let duration = RunDurationEstimate.forSpec(spec, measured: measured)
        // The placement model's volume: the model down and the update up, every round.
        let perParticipantGB = model.modelBytes * 2 * Double(spec.training.rounds) / 1e9
        return CostPrediction(
            cloud: cloud, provider: provider?.rawValue ?? "unknown", region: region, instanceType: instanceType,
            usdPerHour: usdPerHour, egressUsdPerGB: egressRate, currency: model.currency, catalogVersion: catalog.version,
            modelBytes: model.modelBytes, duration: duration,
            participants: spec.participants.map {
                Participant(name: $0.name, location: $0.location, egressGB: perParticipantGB, egressUSD: egressRate.map { $0 * perParticipantGB })
            })
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
        return .object([
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
        ])
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
        let prediction = CostPrediction.make(
            spec: spec, catalog: catalog, cloud: inputs["cloud"]?.stringValue ?? "", region: inputs["region"]?.stringValue ?? "",
            instanceType: inputs["instanceType"]?.stringValue ?? "", measured: snapshot.measuredRun)
        try store.write { tx in
            _ = try tx.recordPrediction(PredictionRecord(run: number, document: prediction.document.canonical, created: tx.now))
        }
    }
}
