import FedCloud
import FedHost
import FedPKI
import FedSpec
import Foundation

/// Builds the providers of one spec: one instance per cloud that needs its own settings (each
/// ssh cloud), the embedded local provider, and fedplane's own bookkeeping providers. The only
/// place that knows which provider kinds exist.
enum ProviderFactory {
    /// The instance name a cloud's resources are recorded under.
    static func instance(_ cloud: CloudSpec?) -> String {
        guard let cloud else { return "local" }
        switch cloud.provider {
        case .ssh: return "ssh.\(cloud.name)"
        case .aws: return "aws.\(cloud.name)"
        default: return cloud.provider.rawValue
        }
    }

    /// - Parameter recordedRegionalHosts: per provider instance, regional aggregator name → the
    ///   host the state records it on (so one the spec no longer places can still be removed).
    static func providers(spec: Spec, localRoot: URL, pki: FederationPKI, recordedRegionalHosts: [String: [String: String]] = [:]) -> ProviderSet {
        var list: [any Provider] = [LocalProvider(root: localRoot), RunDirectories(root: localRoot), CertificateProvider(pki: pki)]
        for cloud in spec.clouds where cloud.provider == .ssh {
            var provider = ssh(cloud, spec: spec)
            let known = Set(provider.regionals.values.map(\.target.host) + (provider.aggregator.map { [$0.target.host] } ?? []))
            for (name, host) in recordedRegionalHosts[provider.instance] ?? [:] where !known.contains(host) {
                provider.formerRegionalHosts[name] = [machine(cloud, host: host, port: nil, user: nil, workdir: nil, spec: spec)]
            }
            list.append(provider)
        }
        if spec.clouds.contains(where: { $0.provider == .ssh }) { closeConnectionsAtExit }
        return ProviderSet(list)
    }

    /// The multiplexed SSH connections end with the command that opened them.
    private static let closeConnectionsAtExit: Void = {
        atexit { SSHControl.closeAll() }
    }()

    static func specDirectory(_ spec: Spec) -> URL { URL(fileURLWithPath: spec.file).deletingLastPathComponent() }

    /// A path of the spec (identity file, known_hosts) as fedplane on this machine reads it.
    static func localPath(_ path: String, spec: Spec) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return NSString(string: path).expandingTildeInPath }
        return specDirectory(spec).appendingPathComponent(path).standardizedFileURL.path
    }

    static func machine(_ cloud: CloudSpec, host: String, port: Int?, user: String?, workdir: String?, spec: Spec) -> SSHProvider.Machine {
        let s = cloud.ssh ?? SSHSettings()
        var identity: String?
        if case .file(let f)? = cloud.credentials { identity = localPath(f, spec: spec) }
        let target = SSHTarget(host: host, port: port ?? s.port, user: user ?? s.user, identityFile: identity,
                               knownHostsFile: s.knownHosts.map { localPath($0, spec: spec) }, jump: s.jump,
                               trustOnFirstUse: s.trustOnFirstUse)
        return SSHProvider.Machine(target: target, workdir: workdir ?? s.workdir, agentPath: s.agentPath)
    }

    static func ssh(_ cloud: CloudSpec, spec: Spec) -> SSHProvider {
        var machines: [String: [String: SSHProvider.Machine]] = [:]
        var minimums: [String: (vcpu: Int, memoryGiB: Double, diskGiB: Double)] = [:]
        for p in spec.participants where p.cloud == cloud.name {
            minimums[p.name] = (p.minResources.vcpu, p.minResources.memoryGiB, p.minResources.diskGiB)
            for vm in p.vms {
                guard let host = vm.host else { continue }
                machines[p.name, default: [:]][vm.id] = machine(cloud, host: host, port: vm.port, user: vm.user, workdir: vm.workdir, spec: spec)
            }
        }
        let service = spec.aggregator.service
        let hostsAggregator = spec.aggregator.candidates.clouds.contains(cloud.name)
        let aggregator = hostsAggregator ? service.host.map { machine(cloud, host: $0, port: nil, user: nil, workdir: nil, spec: spec) } : nil
        var provider = SSHProvider(cloud: cloud.name, federation: spec.metadata.name, machines: machines, minimums: minimums,
                                   aggregator: aggregator, aggregatorPort: service.port)
        if hostsAggregator { provider.regionals = regionalMachines(cloud, spec: spec) }
        return provider
    }

    /// Hierarchical topology on an ssh cloud: each regional aggregator's host, by its name, as
    /// the plan groups participants (`RegionalLayout.privateCloud`) and `aggregator.regionalHosts`
    /// places the groups.
    static func regionalMachines(_ cloud: CloudSpec, spec: Spec) -> [String: SSHProvider.Machine] {
        guard spec.aggregator.topology == .hierarchical, !spec.aggregator.regionalHosts.isEmpty,
              let global = Placement.onPrivateCloud(spec), global.cloud == cloud.name else { return [:] }
        var out: [String: SSHProvider.Machine] = [:]
        for r in RegionalLayout.privateCloud(spec, global: global).regional {
            guard let location = r.location, let host = spec.aggregator.regionalHost(location: location) else { continue }
            out[r.name] = machine(cloud, host: host, port: nil, user: nil, workdir: nil, spec: spec)
        }
        return out
    }
}
