import FedCloud
import FedSpec
import FedState

/// `aggregator.topology: hierarchical` in plan and apply (issue 16): the global aggregator is
/// `aggregator.main`, the regional ones `aggregator.regional.<n>`.
extension Workspace {
    /// Why this spec's hierarchical federation cannot be planned, if it cannot.
    func hierarchyProblems() -> PlanErrors? {
        let mark = spec.aggregator.topologyMark ?? spec.aggregator.mark
        var errors: [PlanError] = []
        let t = spec.training
        // Median, trimmed mean and norm clipping are not associative: a median of regional
        // medians is not the median of all updates, so the global model would not be what the
        // strategy promises.
        if t.strategy != .fedavg || t.clipNorm != nil {
            let rule = t.strategy != .fedavg ? "training.strategy: \(t.strategy.rawValue)" : "training.clipNorm"
            errors.append(PlanError(mark: mark, path: "aggregator.topology",
                                    message: "hierarchical aggregation is FedAvg only: \(rule) does not compose across regional aggregators (use strategy: fedavg without clipNorm, or topology: flat)"))
        }
        if t.runtime == .flower {
            errors.append(PlanError(mark: mark, path: "aggregator.topology",
                                    message: "hierarchical aggregation runs on fedplane's own aggregator; training.runtime: flower has one SuperLink (use topology: flat)"))
        }
        return errors.isEmpty ? nil : PlanErrors(errors)
    }

    /// The global aggregator and the regional ones: grouped by location on private clouds,
    /// else the hierarchical optimizer's choice. Regional aggregators run on local clouds (this
    /// machine), on ssh clouds (the host `aggregator.regionalHosts` gives their location) and on
    /// aws, each on a VM of its own, when the global aggregator is on aws too (its security
    /// group admits the regional VMs' addresses).
    func placeHierarchy(_ state: StateSnapshot?) throws -> Placement {
        var placement: Placement
        if let global = Placement.onPrivateCloud(spec) {
            placement = RegionalLayout.privateCloud(spec, global: global)
        } else {
            do {
                // Priced over the last finished run's measured duration, as flat plans are; the
                // recorded layout is kept while it scores as well as the best one.
                let decision = try HierarchicalOptimizer(model: placementModel(state: state), settings: spec.aggregator.optimizer,
                                                         weights: spec.aggregator.weights).decide(recorded: Self.recordedLayout(state))
                placement = RegionalLayout.optimized(decision, spec: spec)
            } catch let e as PlacementInfeasible {
                throw PlanErrors([PlanError(mark: spec.aggregator.mark, path: "aggregator", message: e.message)])
            }
        }
        let mark = spec.aggregator.topologyMark ?? spec.aggregator.mark
        var errors: [PlanError] = []
        for i in placement.regional.indices {
            let r = placement.regional[i]
            switch spec.cloud(named: r.cloud)?.provider {
            case .local?:
                continue
            case .aws? where spec.cloud(named: placement.cloud)?.provider == .aws:
                // A VM of its own; its firewall admits its participants, the global one's admits it.
                continue
            case .ssh?:
                // One host per location group, on the global aggregator's ssh cloud (the layout
                // took it from aggregator.regionalHosts).
                if r.host == nil {
                    let location = r.location ?? "?"
                    errors.append(PlanError(mark: mark, path: "aggregator.topology",
                                            message: "\(r.address) serves location \(location) (\(r.participants.joined(separator: ", "))) on the ssh cloud \(r.cloud), which names no host for it: add aggregator.regionalHosts: { \(location): <host> }"))
                }
            default:
                errors.append(PlanError(mark: mark, path: "aggregator.topology",
                                        message: "\(r.address) would run on cloud \(r.cloud) (\(spec.cloud(named: r.cloud)?.provider.rawValue ?? "?")), but regional aggregators are provisioned on local and ssh clouds, and on aws under a global aggregator on aws, only (use topology: flat there)"))
            }
        }
        if !errors.isEmpty { throw PlanErrors(errors) }
        return placement
    }

    /// The layout the state records (nil: no aggregator, or one recorded without its place).
    public static func recordedLayout(_ state: StateSnapshot?) -> RecordedLayout? {
        guard let state, let global = recordedPlacement(state) else { return nil }
        var regional: [RecordedLayout.Regional] = []
        for row in state.resources where row.address.hasPrefix("aggregator.regional.") {
            let r = RecordedResource(row)
            guard let s = recordedSite(r), case .array(let names)? = r.inputs["participants"] else { return nil }
            regional.append(RecordedLayout.Regional(site: s, participants: names.compactMap(\.stringValue)))
        }
        return RecordedLayout(global: global, regional: regional)
    }

    /// The aggregators the state records, read once when the workspace loads, for the providers
    /// that find their VMs by them (aws: each one's region; ssh: a regional one's host, also on a
    /// cloud that is no longer a candidate). Read only when the spec has an aws or ssh cloud; none
    /// without a state or when it cannot be read now (the command that needs the state reports why).
    static func recordedAggregators(spec: Spec, source: StateSource) -> [RecordedResource] {
        guard spec.clouds.contains(where: { $0.provider == .aws || $0.provider == .ssh }),
              (try? source.exists(federation: spec.metadata.name)) == true,
              let snapshot = try? source.open(federation: spec.metadata.name, create: false, forReading: true).snapshot() else { return [] }
        return snapshot.resources.filter { $0.type == ResourceKind.aggregator.rawValue }.map(RecordedResource.init)
    }

    /// Per provider instance, regional aggregator name → the host the state records it on (the
    /// `host` input of `aggregator.regional.<n>` on an ssh cloud).
    static func recordedRegionalHosts(_ aggregators: [RecordedResource]) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        let prefix = "aggregator.regional."
        for a in aggregators where a.row.address.hasPrefix(prefix) {
            guard let host = a.inputs["host"]?.stringValue else { continue }
            out[a.row.provider, default: [:]][String(a.row.address.dropFirst(prefix.count))] = host
        }
        return out
    }
}
