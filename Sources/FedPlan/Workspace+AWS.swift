import FedAWS
import FedCloud
import FedSpec
import FedState
import Foundation

/// How the AWS provider joins a workspace, kept out of Workspace.swift.
extension Workspace {
    /// One AWS provider per aws cloud of the spec (`aws.<cloud>`), each with its own credentials,
    /// endpoint and login settings. Its default region is that of the aggregator recorded on it
    /// (read and delete need it); a create names its region itself.
    /// - Parameter recordedAggregators: the aggregators the state records (`recordedAggregators`).
    static func cloudProviders(spec: Spec, specPath: String, statePath: URL, source: StateSource,
                               recordedAggregators aggregators: [RecordedResource], environment: [String: String]) -> [any Provider] {
        let clouds = spec.clouds.filter { $0.provider == .aws }
        guard !clouds.isEmpty else { return [] }
        let federation = spec.metadata.name
        // The global aggregator and regional ones (hierarchical): each may be in its own region.
        let aggregator = aggregators.first { $0.row.address == "aggregator.main" }
        return clouds.map { cloud in
            let recordedHere = aggregator.flatMap { $0.cloud == cloud.name ? $0.inputs["region"]?.stringValue : nil }
            var settings = AWSProvider.Settings(
                cloud: cloud, region: recordedHere ?? "us-east-1", federation: federation,
                // Read when used: the first apply creates the state (and its lineage) after this.
                lineage: { (try? source.exists(federation: federation)) == true
                    ? (try? source.open(federation: federation, create: false, forReading: true).snapshot().lineage) : nil },
                keyDirectory: statePath.deletingLastPathComponent().appendingPathComponent("\(federation)-ssh"),
                specDirectory: URL(fileURLWithPath: specPath).deletingLastPathComponent(), environment: environment)
            settings.participantCIDRs = spec.participantNetworks
            for a in aggregators where a.cloud == cloud.name {
                if let region = a.inputs["region"]?.stringValue { settings.recordedRegions[a.row.address] = region }
            }
            // A known_hosts file of the spec is read where fedplane runs, like every other path.
            settings.ssh.knownHosts = settings.ssh.knownHosts.map { ProviderFactory.localPath($0, spec: spec) }
            settings.aggregatorPort = spec.aggregator.service.port == 0 ? 8443 : spec.aggregator.service.port
            // Tests against the emulator poll faster than a real VM boots.
            if let s = environment["FEDPLANE_AWS_POLL_INTERVAL_S"].flatMap(Double.init) { settings.pollInterval = s }
            return AWSProvider(settings)
        }
    }

    /// Plan and apply check, before anything else, the credential of every cloud they are about
    /// to touch (a cloud whose recorded identity was just re-read is checked already).
    public func verifyClouds(_ plan: Plan, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let authenticator = CloudAuthenticator(specDirectory: URL(fileURLWithPath: specPath).deletingLastPathComponent(), environment: environment)
        var errors: [PlanError] = []
        for c in plan.changes where c.kind == .cloud && c.action != .noOp && c.action != .delete {
            guard let cloud = spec.cloud(named: c.cloud), cloud.provider == .aws else { continue }
            let r = authenticator.verify(cloud)
            if !r.ok { errors.append(PlanError(mark: cloud.credentialsMark ?? cloud.mark, path: "clouds.\(cloud.name)", message: "credential check failed: \(r.message)")) }
        }
        if !errors.isEmpty { throw PlanErrors(errors) }
    }
}

extension Plan {
    /// Only the changes of `addresses` and what they depend on (like Terraform's -target): the
    /// cloud part of a federation can be applied without its training run.
    public func targeting(_ addresses: [String]) throws -> Plan {
        guard !addresses.isEmpty else { return self }
        let byAddress = Dictionary(changes.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        let unknown = addresses.filter { byAddress[$0] == nil }
        if !unknown.isEmpty {
            throw PlanErrors(unknown.map { PlanError(message: "--target \($0): no such resource in the plan (resources: \(changes.map(\.address).joined(separator: ", ")))") })
        }
        var keep = Set<String>()
        var stack = addresses
        while let a = stack.popLast() {
            if keep.insert(a).inserted { stack += byAddress[a]?.dependsOn ?? [] }
        }
        var p = self
        p.changes = changes.filter { keep.contains($0.address) }
        return p
    }
}
