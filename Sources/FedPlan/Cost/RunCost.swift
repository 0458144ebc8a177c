import FedCatalog
import FedDigest
import FedSpec
import FedState
import Foundation

/// One finished run's prediction next to what it used (`fedplane cost`). Actual costs use the
/// same prices as the prediction's formulas, so a difference is the measurement's, not pricing's:
///
/// - aggregator compute = measured VM-hours (the aggregator's running time over the run's
///   sessions) × the catalog's hourly price of the recorded instance type;
/// - egress = measured bytes (each participant's updates up and global models down, as the
///   aggregator counted them, the final evaluation pass included) × the internet egress price of
///   the aggregator's region — the placement model charges both directions at that price;
/// - duration = the aggregator's running time (what compute is billed for).
public struct RunCost: Sendable {
    public struct ParticipantUse: Sendable, Equatable {
        public var participant: String
        public var bytesUp: Int
        public var bytesDown: Int
        public var gb: Double { Double(bytesUp + bytesDown) / 1e9 }
    }

    /// A regional aggregator of a hierarchical run (`aggregator.regional.<n>`): its VM-hours at
    /// its own instance price, and the regional → global hop (its round results up, the global
    /// models down), priced at the global aggregator's egress price (`RunCost.hopUSD(of:)`).
    public struct RegionalUse: Sendable, Equatable {
        public var aggregator: String
        public var cloud: String
        public var provider: String
        public var region: String
        public var instanceType: String
        public var usdPerHour: Double?
        public var egressUsdPerGB: Double?
        /// The participants it serves, as recorded now (the state keeps no per-run layout).
        public var participants: [String]
        public var seconds: Double?
        public var openSessions: Int
        public var hopBytesUp: Int
        public var hopBytesDown: Int

        /// Its contributor name in the records (`regional:<n>`).
        public var contributor: String { "regional:" + aggregator.dropFirst(RunCost.regionalPrefix.count) }
        public var hours: Double? { seconds.map { $0 / 3600 } }
        public var computeUSD: Double? { usdPerHour.flatMap { p in hours.map { p * $0 } } }
        public var hopGB: Double { Double(hopBytesUp + hopBytesDown) / 1e9 }
    }

    static let regionalPrefix = "aggregator.regional."

    public var run: RunRecord
    public var roundsCommitted: Int
    /// nil: the run started before fedplane recorded predictions (or its document is unreadable).
    public var prediction: CostPrediction?
    /// The aggregator the actual costs are priced for: the prediction's, else today's record.
    public var cloud: String
    public var provider: String
    public var region: String
    public var instanceType: String
    public var usdPerHour: Double?
    public var egressUsdPerGB: Double?
    public var catalogVersion: String
    /// Closed sessions' running time; nil when none closed.
    public var aggregatorSeconds: Double?
    /// Sessions with no recorded stop (a fedplane killed outright): not counted.
    public var openSessions: Int
    public var roundSeconds: Double
    public var wallSeconds: Double?
    public var participants: [ParticipantUse]
    public var currency: String
    /// Empty for a flat run (whose figures are then exactly as before).
    public var regionals: [RegionalUse] = []

    public var aggregatorHours: Double? { aggregatorSeconds.map { $0 / 3600 } }
    public var computeUSD: Double? { usdPerHour.flatMap { p in aggregatorHours.map { p * $0 } } }
    public var egressGB: Double { participants.reduce(0) { $0 + $1.gb } }
    /// Participants' bytes: each at the egress price of the aggregator it sends to (its regional
    /// one's region, else the global aggregator's).
    public var egressUSD: Double? {
        guard !regionals.isEmpty else { return egressUsdPerGB.map { $0 * egressGB } }
        return participants.reduce(Optional(0.0)) { sum, u in sum.flatMap { s in egressRate(of: u.participant).map { s + $0 * u.gb } } }
    }
    /// The egress price a participant's bytes are charged at.
    public func egressRate(of participant: String) -> Double? {
        regionals.first { $0.participants.contains(participant) }.map(\.egressUsdPerGB) ?? egressUsdPerGB
    }
    public var regionalComputeUSD: Double? { regionals.reduce(Optional(0.0)) { s, r in s.flatMap { a in r.computeUSD.map { a + $0 } } } }
    public var hopGB: Double { regionals.reduce(0) { $0 + $1.hopGB } }
    /// The hop is priced at the global aggregator's egress price, both ways: a link at its
    /// parent's, as a participant's at its aggregator's (and as the placement optimizer does).
    public func hopUSD(of r: RegionalUse) -> Double? { egressUsdPerGB.map { $0 * r.hopGB } }
    public var hopUSD: Double? { regionals.reduce(Optional(0.0)) { s, r in s.flatMap { a in hopUSD(of: r).map { a + $0 } } } }
    public var totalUSD: Double? {
        let flat = computeUSD.flatMap { c in egressUSD.map { c + $0 } }
        guard !regionals.isEmpty else { return flat }
        return flat.flatMap { f in regionalComputeUSD.flatMap { c in hopUSD.map { f + c + $0 } } }
    }
    /// True when the run has traffic records (runs of older fedplanes, or Flower runs, have none).
    public var hasTraffic: Bool { !participants.isEmpty }

    /// Every finished run (succeeded, failed, cancelled), or only `run`. Throws `CostReportError`
    /// when `run` is not a finished run.
    public static func load(_ store: any StateBackend, spec: Spec, catalog: Catalog, run only: Int? = nil) throws -> [RunCost] {
        let runs = try store.runs()
        if let only {
            guard let r = runs.first(where: { $0.run == only }) else {
                throw CostReportError(message: "run \(only) is not recorded in \(store.location)" +
                                      (runs.isEmpty ? "; no run is" : "; recorded runs: \(runs.map { String($0.run) }.joined(separator: ", "))"))
            }
            guard r.status != .running else {
                throw CostReportError(message: "run \(only) has not finished (it is running, or its fedplane was killed: the next apply resumes it)")
            }
        }
        let snapshot = try store.snapshot()
        let recorded = snapshot.resource(at: "aggregator.main").map { RecordedResource($0).inputs } ?? [:]
        let regionalRecords = Dictionary(snapshot.resources.filter { $0.address.hasPrefix(Self.regionalPrefix) }
            .map { ($0.address, RecordedResource($0).inputs) }, uniquingKeysWith: { a, _ in a })
        return try runs.filter { $0.status != .running && (only == nil || $0.run == only) }.map { r in
            let prediction = try store.prediction(run: r.run).flatMap { try? JSONValue.parse($0.document) }.flatMap(CostPrediction.init(document:))
            let cloud = prediction?.cloud ?? recorded["cloud"]?.stringValue ?? ""
            let region = prediction?.region ?? recorded["region"]?.stringValue ?? ""
            let type = prediction?.instanceType ?? recorded["instanceType"]?.stringValue ?? ""
            // Priced by today's catalog, with the prediction's formulas (`CostPrediction.make`).
            let priced = CostPrediction.make(spec: spec, catalog: catalog, cloud: cloud, region: region, instanceType: type, measured: nil)
            let sessions = try store.aggregatorSessions(run: r.run)
            let closed = sessions.compactMap(\.seconds)
            var bytes: [String: (Int, Int)] = [:]
            var hop: [String: (Int, Int)] = [:]
            for t in try store.traffic(run: r.run) {
                // `regional:<n>` rows are the regional → global hop (a colon is never in a participant's name).
                if t.participant.hasPrefix("regional:") {
                    let address = Self.regionalPrefix + t.participant.dropFirst("regional:".count)
                    let b = hop[address] ?? (0, 0)
                    hop[address] = (b.0 + t.bytesUp, b.1 + t.bytesDown)
                    continue
                }
                let b = bytes[t.participant] ?? (0, 0)
                bytes[t.participant] = (b.0 + t.bytesUp, b.1 + t.bytesDown)
            }
            let regionalSessions = try store.regionalAggregatorSessions(run: r.run)
            let regionalAddresses = Set(regionalSessions.map(\.aggregator)).union(hop.keys).sorted {
                $0.count == $1.count ? $0 < $1 : $0.count < $1.count
            }
            let regionals = regionalAddresses.map { address in
                let inputs = regionalRecords[address] ?? [:]
                let rCloud = inputs["cloud"]?.stringValue ?? "", rRegion = inputs["region"]?.stringValue ?? ""
                let rType = inputs["instanceType"]?.stringValue ?? ""
                let rPriced = CostPrediction.make(spec: spec, catalog: catalog, cloud: rCloud, region: rRegion, instanceType: rType, measured: nil)
                let own = regionalSessions.filter { $0.aggregator == address }
                let done = own.compactMap(\.seconds)
                var served: [String] = []
                if case .array(let members)? = inputs["participants"] { served = members.compactMap(\.stringValue) }
                return RegionalUse(aggregator: address, cloud: rCloud, provider: rPriced.provider, region: rRegion, instanceType: rType,
                                   usdPerHour: rPriced.usdPerHour, egressUsdPerGB: rPriced.egressUsdPerGB, participants: served,
                                   seconds: done.isEmpty ? nil : done.reduce(0, +), openSessions: own.count - done.count,
                                   hopBytesUp: hop[address]?.0 ?? 0, hopBytesDown: hop[address]?.1 ?? 0)
            }
            let rounds = try store.rounds(run: r.run)
            return RunCost(
                run: r, roundsCommitted: rounds.count, prediction: prediction, cloud: cloud,
                provider: prediction?.provider ?? priced.provider, region: region, instanceType: type,
                usdPerHour: priced.usdPerHour, egressUsdPerGB: priced.egressUsdPerGB, catalogVersion: catalog.version,
                aggregatorSeconds: closed.isEmpty ? nil : closed.reduce(0, +), openSessions: sessions.count - closed.count,
                roundSeconds: rounds.reduce(0) { $0 + $1.durationSeconds },
                wallSeconds: r.finished.map { max(0, $0.timeIntervalSince(r.started)) },
                participants: bytes.keys.sorted().map { ParticipantUse(participant: $0, bytesUp: bytes[$0]!.0, bytesDown: bytes[$0]!.1) },
                currency: prediction?.currency ?? priced.currency, regionals: regionals)
        }
    }
}

public struct CostReportError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}
