import FedAWS
import FedCloud
import FedHost
import FedSpec
import Foundation

/// `auth verify` for an ssh cloud: its identity is the key that logs in to its hosts, so each
/// host the spec names on it is connected to once (key accepted, host key as recorded in the
/// known_hosts file, or first-use trust when the spec allows it).
enum SSHCloudCheck {
    /// The distinct hosts of `cloud`: its participants' VMs and the aggregator host (and the
    /// regional aggregators' hosts), when the aggregator may be placed there.
    static func machines(_ cloud: CloudSpec, spec: Spec) -> [SSHProvider.Machine] {
        let provider = ProviderFactory.ssh(cloud, spec: spec)
        var seen = Set<String>(), out: [SSHProvider.Machine] = []
        let all = provider.machines.keys.sorted().flatMap { p in provider.machines[p]!.keys.sorted().map { provider.machines[p]![$0]! } }
            + (provider.aggregator.map { [$0] } ?? []) + provider.regionals.keys.sorted().map { provider.regionals[$0]! }
        for m in all where seen.insert(m.target.label).inserted { out.append(m) }
        return out
    }

    static func verify(_ cloud: CloudSpec, spec: Spec) -> CloudAuthenticator.Result {
        var r = CloudAuthenticator.Result(cloud: cloud.name, provider: cloud.provider.rawValue, status: .failed,
                                          reference: cloud.credentials?.description ?? "the user's ssh agent and ~/.ssh",
                                          account: nil, arn: nil, fingerprint: nil, endpoint: nil, message: "")
        let hosts = machines(cloud, spec: spec)
        guard !hosts.isEmpty else {
            r.status = .notNeeded
            r.message = "no host of the spec is on this cloud"
            return r
        }
        let failures: [String?] = NetworkFanOut.map(hosts.count) { i in
            do {
                _ = try hosts[i].host.shell("true", input: nil, timeout: 20)
                return nil
            } catch {
                return "\(hosts[i].target.label): \(error)"
            }
        }
        let failed = failures.compactMap { $0 }
        let knownHosts = cloud.ssh?.knownHosts ?? "~/.ssh/known_hosts"
        if failed.isEmpty {
            r.status = .verified
            r.message = "\(hosts.count) host\(hosts.count == 1 ? "" : "s") accepted the key; host keys match \(knownHosts)"
                + (cloud.ssh?.trustOnFirstUse == true ? " (unknown ones recorded on first use)" : "")
        } else {
            r.message = "\(failed.count) of \(hosts.count) host\(hosts.count == 1 ? "" : "s") failed: " + failed.joined(separator: "; ")
        }
        return r
    }
}

extension Workspace {
    /// `auth verify`: one real check per cloud — STS for aws, a login to each host for ssh, the
    /// credential's shape for gcp/azure.
    public func verifyCredentials(environment: [String: String] = ProcessInfo.processInfo.environment) -> [CloudAuthenticator.Result] {
        let authenticator = CloudAuthenticator(specDirectory: URL(fileURLWithPath: specPath).deletingLastPathComponent(), environment: environment)
        return spec.clouds.sorted { $0.name < $1.name }.map { cloud in
            cloud.provider == .ssh ? SSHCloudCheck.verify(cloud, spec: spec) : authenticator.verify(cloud)
        }
    }
}
