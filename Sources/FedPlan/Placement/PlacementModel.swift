import FedRuntime
import Foundation
import FedCatalog
import FedSpec

/// What one aggregator candidate (a spec cloud, a catalog region, an instance type) is expected
/// to cost per run and how long a round takes there. The formulas are documented in the README.
public struct CandidateEstimate: Sendable, Equatable {
    /// The spec's cloud the aggregator would run in (e.g. `aws`).
    public let specCloud: String
    public let offer: Offer
    public let costUSD: Double
    /// `costUSD` in the spec's currency.
    public let cost: Double
    public let computeUSD: Double
    public let egressUSD: Double
    public let roundLatencyMs: Double
    /// The slowest participant's round trip, transfer and the aggregation time.
    public let rttMs: Double
    public let transferMs: Double
    public let aggregationMs: Double
    /// Which participant is the slowest.
    public let slowestParticipant: String
    /// GB per run that cross a cloud boundary: the updates and models of participants whose
    /// location is in another cloud than the aggregator's region.
    public var egressGB: Double = 0
    /// The aggregator VM's energy and operational emissions per run; nil when the carbon catalog
    /// lacks a coefficient for it (`carbonMissing` says which), never a silent zero.
    public var carbon: CarbonEstimate? = nil
    public var carbonMissing: [String] = []
    public var carbonKgCO2e: Double? { carbon?.kgCO2e }

    public var region: RegionRef { offer.region }
    public var instanceType: String { offer.type.name }
    public var label: String { "\(specCloud)/\(offer.region.region)/\(offer.type.name)" }
}

/// Turns the spec and the catalog into candidate estimates.
///
/// - cost per run = hourly price × estimated run hours + egress, where run hours = rounds ×
///   roundDeadline (a round lasts at most its deadline, so this bounds the bill) and egress =
///   model size × 2 × participants × rounds × the region's egress price per GB;
/// - round latency = max over participants of (RTT(participant, region) + model size × 8 /
///   bandwidth × 2) + aggregation time, with aggregation = model size × participants /
///   (vCPU × `aggregationBytesPerSecondPerVcpu`);
/// - egress volume = model size × 2 × rounds, summed over the participants in another cloud;
/// - carbon = the aggregator VM over the run hours (`CarbonCatalog.estimate`) at its expected
///   utilisation: the share of the run it spends aggregating (aggregation time × rounds / run
///   time), so an aggregator waiting on its participants draws near-idle watts.
public struct PlacementModel: Sendable {
    /// FedAvg reads every update once; about 1 GB/s per vCPU is a conservative memory-bound rate.
    public static let aggregationBytesPerSecondPerVcpu = 1e9
    /// Used when the spec gives neither a model file nor its size.
    public static let defaultModelBytes = 1e6

    public let spec: Spec
    public let catalog: Catalog
    public let carbonCatalog: CarbonCatalog
    /// The planner's run duration when it is measured (nil: rounds × roundDeadline, see
    /// `RunDurationEstimate`); compute cost and carbon are priced over it.
    public var duration: RunDurationEstimate? = nil

    public init(spec: Spec, catalog: Catalog, carbonCatalog: CarbonCatalog = .bundled) {
        self.spec = spec
        self.catalog = catalog
        self.carbonCatalog = carbonCatalog
    }

    public var currency: String { spec.aggregator.requirements.maxCost?.currency.rawValue ?? "USD" }
    /// The model's size: as the spec states it, else the initial model file's, else 1 MB.
    public var modelBytes: Double {
        if let size = spec.training.model.size { return size.bytes }
        if let file = RunCoordinator.modelFile(spec),
           let bytes = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int {
            return Double(bytes)
        }
        return Self.defaultModelBytes
    }
    public var runHours: Double { duration?.hours ?? Double(spec.training.rounds) * spec.training.roundDeadline.seconds / 3600 }

    /// Every offer of the candidate clouds that passes the spec's region and type filters.
    public func candidates() throws -> [CandidateEstimate] {
        let c = spec.aggregator.candidates
        var out: [CandidateEstimate] = []
        for name in c.clouds {
            guard let cloud = spec.cloud(named: name), cloud.provider.isPublic else { continue }
            for offer in catalog.offers(cloud: cloud.provider.rawValue) {
                if !c.regions.isEmpty && !c.regions.contains(offer.region.region) && !c.regions.contains(offer.region.description) { continue }
                if !c.instanceTypes.isEmpty && !c.instanceTypes.contains(offer.type.name) { continue }
                out.append(try estimate(offer, specCloud: name))
            }
        }
        return out
    }

    public func estimate(_ offer: Offer, specCloud: String) throws -> CandidateEstimate {
        let participants = spec.participants
        var worst = (ms: -1.0, rtt: 0.0, transfer: 0.0, name: "")
        for p in participants {
            let location = try RegionRef(parsing: p.location)
            let rtt = try catalog.rttMs(location, offer.region).ms
            let transfer = 2 * p.bandwidth.transferSeconds(ByteSize(bytes: modelBytes)) * 1000
            if rtt + transfer > worst.ms { worst = (rtt + transfer, rtt, transfer, p.name) }
        }
        let aggregation = modelBytes * Double(participants.count)
            / (Double(offer.type.vcpu) * Self.aggregationBytesPerSecondPerVcpu) * 1000
        let compute = offer.usdPerHour * runHours
        let egressGB = modelBytes * 2 * Double(participants.count) * Double(spec.training.rounds) / 1e9
        let egress = egressGB * (try catalog.egressUsdPerGB(from: offer.region))
        let usd = compute + egress
        var e = CandidateEstimate(
            specCloud: specCloud, offer: offer, costUSD: usd, cost: try catalog.convert(usd, from: "USD", to: currency),
            computeUSD: compute, egressUSD: egress, roundLatencyMs: max(worst.ms, 0) + aggregation,
            rttMs: worst.rtt, transferMs: worst.transfer, aggregationMs: aggregation, slowestParticipant: worst.name)
        let perParticipantGB = modelBytes * 2 * Double(spec.training.rounds) / 1e9
        e.egressGB = Double(participants.filter { Self.cloud(ofLocation: $0.location) != offer.region.cloud }.count) * perParticipantGB
        let utilization = runHours > 0 ? aggregation * Double(spec.training.rounds) / (runHours * 3_600_000) : 0
        e.carbon = carbonCatalog.estimate(offer, hours: runHours, utilization: utilization)
        if e.carbon == nil { e.carbonMissing = carbonCatalog.missingData(for: offer) }
        return e
    }

    /// The cloud part of a participant's `cloud/region` location.
    static func cloud(ofLocation location: String) -> String {
        String(location.split(separator: "/", maxSplits: 1).first ?? "")
    }

    /// Constraint violations, each relative to its limit (≤ 0 satisfied): cost, latency, vCPU, memory.
    public func violations(_ e: CandidateEstimate) -> [Double] {
        let r = spec.aggregator.requirements
        return [
            r.maxCost.map { (e.cost - $0.amount) / $0.amount } ?? -1,
            r.maxRoundLatency.map { (e.roundLatencyMs - $0.milliseconds) / $0.milliseconds } ?? -1,
            (Double(r.minVcpu) - Double(e.offer.type.vcpu)) / Double(r.minVcpu),
            r.minMemoryGiB > 0 ? (r.minMemoryGiB - e.offer.type.memoryGiB) / r.minMemoryGiB : -1,
        ] + extraViolations(e)
    }

    /// `maxCarbon` and `maxEgress`, only when the spec sets them (so a spec without them searches
    /// exactly the table it did before they existed). A missing carbon figure is refused earlier.
    func extraViolations(_ e: CandidateEstimate) -> [Double] {
        let r = spec.aggregator.requirements
        var out: [Double] = []
        if let c = r.maxCarbon { out.append(((e.carbonKgCO2e ?? .infinity) - c.kilograms) / c.kilograms) }
        if let g = r.maxEgress { out.append((e.egressGB - g.bytes / 1e9) / (g.bytes / 1e9)) }
        return out
    }

    /// The value of `objective` for `e` (all minimised); carbon must be known (`carbonMissing` empty).
    public func value(_ objective: PlacementObjective, of e: CandidateEstimate) -> Double {
        switch objective {
        case .cost: return e.cost
        case .latency: return e.roundLatencyMs
        case .carbon: return e.carbonKgCO2e ?? .infinity
        case .egress: return e.egressGB
        }
    }

    /// True when the spec asks for carbon (as an objective or a limit).
    public var needsCarbon: Bool { spec.aggregator.objectives.contains(.carbon) || spec.aggregator.requirements.maxCarbon != nil }

    static let constraintNames = ["maxCost", "maxRoundLatency", "minVcpu", "minMemoryGiB"]
}
