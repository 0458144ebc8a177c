import FedCloud
import FedDigest
import FedSpec
import FedState

/// The resources a spec asks for, in dependency order: clouds in use, the aggregator, each
/// participant and its VM assignment.
public struct DesiredGraph: Sendable {
    public var resources: [DesiredResource]

    public static let empty = DesiredGraph(resources: [])

    /// - Parameters:
    ///   - assigned: the VM each participant has in state, so assignments stay put;
    ///   - cursors: each participant's saved queue cursor;
    ///   - health: per participant, VM id → why its health probe failed;
    ///   - recordedAggregators: the aggregators in state (a VM's recorded address stands in for
    ///     the reference to it while the VM is the one wanted).
    public static func build(spec: Spec, placement: Placement, assigned: [String: String],
                             cursors: [String: Int] = [:], health: [String: [String: String]] = [:],
                             runs: [RunPlanning.Recorded] = [], lastRun: Int = 0,
                             certificates: [DesiredResource] = [], recordedAggregators: [Resource] = []) -> Result<DesiredGraph, PlanErrors> {
        var out: [DesiredResource] = []
        let recorded = Dictionary(recordedAggregators.map { ($0.address, RecordedResource($0)) }, uniquingKeysWith: { a, _ in a })
        var errors: [PlanError] = []

        var usedClouds = [placement.cloud]
        for r in placement.regional where !usedClouds.contains(r.cloud) { usedClouds.append(r.cloud) }
        for p in spec.participants where !usedClouds.contains(p.cloud) { usedClouds.append(p.cloud) }
        for name in usedClouds.sorted() {
            guard let c = spec.cloud(named: name) else { continue }
            var inputs: [String: JSONValue] = ["provider": .string(c.provider.rawValue)]
            if let e = c.endpoint { inputs["endpoint"] = .string(e) }
            if let cred = c.credentials { inputs["credentials"] = .string(cred.description) }
            out.append(DesiredResource(address: "cloud.\(name)", kind: .cloud, cloud: name, provider: ProviderFactory.instance(c),
                                       inputs: inputs, dependsOn: [], replaceOn: ["provider"], note: nil))
        }

        let aggregatorCloud = spec.cloud(named: placement.cloud)
        var aggregatorInputs: [String: JSONValue] = ["cloud": .string(placement.cloud), "region": .string(placement.region),
                                                     "instanceType": .string(placement.instanceType)]
        var aggregatorDependsOn = ["cloud.\(placement.cloud)"]
        if aggregatorCloud?.provider == .aws {
            // Its firewall: changed networks update it in place (no new VM). Its clients are the
            // participants it serves directly and, hierarchical, the regional aggregators'
            // VMs (by the address each is given: made first, so it is known when this is).
            let served = Set(placement.regional.flatMap(\.participants))
            var networks = Set(spec.participants.filter { !served.contains($0.name) }.flatMap(\.networks)).sorted()
            // The regional VMs after them, in regional order: a reference resolves in place, so
            // sorting would order the plan's references and the recorded addresses differently.
            for r in placement.regional where spec.cloud(named: r.cloud)?.provider == .aws {
                networks.append(AggregatorVMAddress.attribute("hostCidr", of: r.address, cloud: r.cloud, region: r.region,
                                                              instanceType: r.instanceType, recorded: recorded[r.address]))
                aggregatorDependsOn.append(r.address)
            }
            aggregatorInputs["participantNetworks"] = .array(networks.map { .string($0) })
            aggregatorInputs["operatorNetworks"] = .array((aggregatorCloud?.ssh?.allowFrom ?? []).map { .string($0) })
        }
        out.append(DesiredResource(
            address: "aggregator.main", kind: .aggregator, cloud: placement.cloud,
            provider: ProviderFactory.instance(aggregatorCloud),
            inputs: aggregatorInputs,
            dependsOn: aggregatorDependsOn, replaceOn: ["cloud", "region", "instanceType"],
            note: "placement: \(placement.summary.note)"))
        out += regionalAggregators(spec: spec, placement: placement)

        for (index, p) in spec.participants.enumerated().sorted(by: { $0.element.name < $1.element.name }) {
            let provider = ProviderFactory.instance(spec.cloud(named: p.cloud))
            var inputs: [String: JSONValue] = [
                "cloud": .string(p.cloud), "location": .string(p.location),
                "bandwidthBps": .number(p.bandwidth.bitsPerSecond),
                "minResources": resources(p.minResources),
                "vms": .array(p.vms.map { vm in
                    var o = resources(vm.resources).objectValue!
                    o["id"] = .string(vm.id)
                    o["state"] = .string(vm.state.rawValue)
                    return .object(o)
                }),
            ]
            if let s = p.data.samples { inputs["samples"] = .number(Double(s)) }
            out.append(DesiredResource(address: "participant.\(p.name)", kind: .participant, cloud: p.cloud,
                                       provider: provider, inputs: inputs, dependsOn: ["cloud.\(p.cloud)"],
                                       replaceOn: ["cloud"], note: nil))

            switch VMSelection.choose(p, index: index, current: assigned[p.name], cursor: cursors[p.name] ?? 0,
                                      health: health[p.name] ?? [:]) {
            case .failure(let e): errors.append(e)
            case .success(let (vm, reason)):
                out.append(DesiredResource(
                    address: "assignment.\(p.name)", kind: .assignment, cloud: p.cloud, provider: provider,
                    inputs: ["participant": .string(p.name), "vm": .string(vm), "aggregator": .string(aggregatorIdentity(placement, serving: p.name))],
                    dependsOn: [placement.regional(serving: p.name)?.address ?? "aggregator.main", "participant.\(p.name)"], replaceOn: [], note: reason))
            }
        }
        if !errors.isEmpty { return .failure(PlanErrors(errors)) }
        out += RunPlanning.desired(spec, recorded: runs, lastRun: lastRun,
                                   dependsOn: ["aggregator.main"] + placement.regional.map(\.address) + out.filter { $0.kind == .assignment }.map(\.address))
        out += certificates
        out.sort { ($0.kind.rank, $0.address) < ($1.kind.rank, $1.address) }
        return .success(DesiredGraph(resources: out))
    }

    /// The regional aggregators (hierarchical topology): like `aggregator.main`, plus who they
    /// serve and their parent, so a change of membership updates them in place and a new place
    /// replaces them.
    static func regionalAggregators(spec: Spec, placement: Placement) -> [DesiredResource] {
        placement.regional.map { r in
            var inputs: [String: JSONValue] = ["cloud": .string(r.cloud), "region": .string(r.region), "instanceType": .string(r.instanceType),
                                               "participants": .array(r.participants.map { .string($0) }), "parent": "aggregator.main"]
            // On an ssh cloud: its machine (another host is another aggregator).
            if let host = r.host { inputs["host"] = .string(host) }
            if let cloud = spec.cloud(named: r.cloud), cloud.provider == .aws {
                // Its own VM's firewall: the networks of the participants it serves, and the operator's.
                let served = Set(r.participants)
                inputs["participantNetworks"] = .array(Set(spec.participants.filter { served.contains($0.name) }.flatMap(\.networks)).sorted().map { .string($0) })
                inputs["operatorNetworks"] = .array((cloud.ssh?.allowFrom ?? []).map { .string($0) })
            }
            return DesiredResource(address: r.address, kind: .aggregator, cloud: r.cloud, provider: ProviderFactory.instance(spec.cloud(named: r.cloud)),
                                   inputs: inputs, dependsOn: ["cloud.\(r.cloud)"], replaceOn: ["cloud", "region", "instanceType", "host"],
                                   note: "regional aggregator: serves \(r.participants.joined(separator: ", ")) and posts each round to aggregator.main")
        }
    }

    /// Who a participant reports to: the global aggregator's identity (flat, and unchanged for
    /// participants it serves directly), or its regional aggregator's address and identity.
    static func aggregatorIdentity(_ placement: Placement, serving participant: String) -> String {
        guard let r = placement.regional(serving: participant) else { return placement.identity }
        return "\(r.address) \(r.identity)"
    }

    static func resources(_ r: Resources) -> JSONValue {
        ["vcpu": .number(Double(r.vcpu)), "memoryGiB": .number(r.memoryGiB), "diskGiB": .number(r.diskGiB)]
    }
}

/// Several plan errors at once, so a user fixes them in one go.
public struct PlanErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [PlanError]
    public init(_ errors: [PlanError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
