import FedCloud
import FedDigest
import FedHTTP
import FedPKI
import FedRuntime
import FedSpec
import FedState
import Foundation

/// The federation's PKI as resources of the plan: `ca.main` (the federation CA),
/// `certificate.aggregator` (server: the addresses it is reached at), `certificate.coordinator`
/// (fedplane itself) and `certificate.participant-<name>` (one per participant). The state
/// records each one's fingerprint, serial, names and expiry, never a key. A plan replaces a
/// certificate whose addresses change, that expires within `rotationThreshold`, or whose CA is
/// replaced; a participant removed from the spec has its certificate destroyed (and the
/// aggregator admits only the current certificates of the run's participants).
public enum CertificatePlanning {
    public static let rotationThreshold: TimeInterval = 30 * 86_400
    public static let provider = "pki"

    static func address(_ id: FederationIdentity) -> String { "certificate.\(id.fileStem)" }

    /// Where the aggregator is reached: its host on an ssh cloud (and loopback, for a host that
    /// is this machine), else loopback on this machine.
    static func aggregatorAddresses(_ placement: Placement, spec: Spec, recorded: RecordedResource? = nil) -> [String] {
        switch spec.cloud(named: placement.cloud)?.provider {
        case .ssh?:
            if let host = spec.aggregator.service.host { return [host, "127.0.0.1", "localhost"] }
        case .aws?:
            // A VM fedplane makes: its address is known once it exists. While it does not (or is
            // about to be replaced), the plan names it by reference and the apply fills it in
            // from what the provider observed, like Terraform's "known after apply".
            return [AggregatorVMAddress.attribute("host", of: "aggregator.main", cloud: placement.cloud, region: placement.region,
                                                  instanceType: placement.instanceType, recorded: recorded), "127.0.0.1", "localhost"]
        default: break
        }
        return ["127.0.0.1", "localhost"]
    }

    /// - Parameter aggregators: the aggregators as providers see them now
    ///   (`Observation.liveAggregators`); nil: as recorded.
    static func desired(spec: Spec, placement: Placement, state: StateSnapshot?, now: Date, aggregators: [Resource]? = nil) -> [DesiredResource] {
        let federation = spec.metadata.name
        let recorded = Dictionary(uniqueKeysWithValues: (state?.resources ?? []).map { ($0.address, RecordedResource($0)) })
        // Where an aggregator VM is reached: what its provider reports now.
        let vms = aggregators.map { rows in Dictionary(rows.map { ($0.address, RecordedResource($0)) }, uniquingKeysWith: { a, _ in a }) }
            ?? recorded.filter { $0.key.hasPrefix("aggregator.") }
        func expiring(_ address: String) -> String? {
            guard let r = recorded[address], !r.isPending, let text = r.observed["notAfter"]?.stringValue,
                  let notAfter = try? Date(text, strategy: .iso8601) else { return nil }
            let days = Int((notAfter.timeIntervalSince(now) / 86_400).rounded(.down))
            guard notAfter.timeIntervalSince(now) < rotationThreshold else { return nil }
            return days < 0 ? "it expired on \(text)" : "it expires on \(text), in \(days) day\(days == 1 ? "" : "s"), within the \(Int(rotationThreshold / 86_400))-day rotation threshold"
        }
        var out: [DesiredResource] = []
        let caAddress = "ca.main"
        let caReplaced = recorded[caAddress] == nil ? nil : expiring(caAddress)
        var ca = DesiredResource(address: caAddress, kind: .ca, cloud: "", provider: provider,
                                 inputs: ["federation": .string(federation), "algorithm": "ECDSA P-256 SHA-256",
                                          "validityDays": .number(FederationPKI.caValidity / 86_400)],
                                 dependsOn: [], replaceOn: ["federation", "algorithm"], note: "the federation's certificate authority")
        ca.forceReplace = caReplaced
        out.append(ca)
        let caFingerprint = recorded[caAddress]?.observed["fingerprint"]?.stringValue

        var leaves: [(FederationIdentity, [String: JSONValue], [String])] = [
            (.aggregator, ["role": "server", "addresses": .array(aggregatorAddresses(placement, spec: spec, recorded: vms["aggregator.main"]).map { .string($0) })],
             ["ca.main", "aggregator.main"]),
            (.coordinator, ["role": "client", "uri": .string(FederationIdentity.coordinator.uri(federation: federation)!)], ["ca.main"]),
        ]
        for r in placement.regional {
            // Server toward its participants (at its host on an ssh cloud, else loopback on this
            // machine), client toward the global aggregator.
            let id = FederationIdentity.regional(r.name)
            var addresses = (r.host.map { [$0] } ?? []) + ["127.0.0.1", "localhost"]
            if spec.cloud(named: r.cloud)?.provider == .aws {
                // Its own VM: the address AWS gives it (known after apply).
                addresses.insert(AggregatorVMAddress.attribute("host", of: r.address, cloud: r.cloud, region: r.region,
                                                               instanceType: r.instanceType, recorded: vms[r.address]), at: 0)
            }
            leaves.append((id, ["role": "server+client", "addresses": .array(addresses.map { .string($0) }), "uri": .string(id.uri(federation: federation)!)],
                           ["ca.main", r.address]))
        }
        for p in spec.participants {
            let id = FederationIdentity.participant(p.name)
            leaves.append((id, ["role": "client", "uri": .string(id.uri(federation: federation)!)], ["ca.main", "participant.\(p.name)"]))
        }
        for (id, inputs, deps) in leaves {
            var inputs = inputs
            inputs["validityDays"] = .number(FederationPKI.leafValidity / 86_400)
            let address = address(id)
            var d = DesiredResource(address: address, kind: .certificate, cloud: "", provider: provider, inputs: inputs,
                                    dependsOn: deps, replaceOn: ["role", "addresses", "uri"], note: nil)
            if let r = recorded[address], !r.isPending {
                if recorded[caAddress] == nil || caReplaced != nil {
                    d.forceReplace = "ca.main is replaced: a new CA issues it again"
                } else if let issuer = r.observed["issuer"]?.stringValue, let caFingerprint, issuer != caFingerprint {
                    d.forceReplace = "it was issued by another CA (\(issuer.prefix(19))…) than ca.main (\(caFingerprint.prefix(19))…)"
                } else if let why = expiring(address) {
                    d.forceReplace = why
                }
            }
            out.append(d)
        }
        return out
    }
}

/// Realises `ca.main` and `certificate.*` as files of the federation's PKI directory (0700, keys
/// 0600). Idempotent by address: creating what exists and still fits (same names, signed by the
/// current CA, far from expiry) adopts it.
struct CertificateProvider: Provider {
    var kind: String { CertificatePlanning.provider }
    let pki: FederationPKI

    static func identity(_ address: String) -> FederationIdentity? {
        let stem = address.dropFirst("certificate.".count)
        if stem == "aggregator" { return .aggregator }
        if stem == "coordinator" { return .coordinator }
        if stem.hasPrefix("participant-") { return .participant(String(stem.dropFirst("participant-".count))) }
        if stem.hasPrefix("regional-") { return .regional(String(stem.dropFirst("regional-".count))) }
        return nil
    }

    func create(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource {
        do {
            if request.kind == .ca {
                if let s = try pki.authoritySummary(), s.notAfter.timeIntervalSinceNow > CertificatePlanning.rotationThreshold {
                    return Self.observed(s, address: request.address)
                }
                return Self.observed(try pki.createAuthority(), address: request.address)
            }
            guard let id = Self.identity(request.address) else { throw PKIError("not a certificate address") }
            var addresses: [String] = []
            if case .array(let xs)? = request.inputs["addresses"] { addresses = xs.compactMap(\.stringValue) }
            let wanted: [String]
            switch id {
            case .aggregator: wanted = addresses
            case .regional: wanted = addresses + [id.uri(federation: pki.federation)!]
            default: wanted = [id.uri(federation: pki.federation)!]
            }
            let ca = try pki.authoritySummary()
            if let s = try pki.summary(id), let ca, s.issuerFingerprint == ca.fingerprint, Set(s.names) == Set(wanted),
               s.notAfter.timeIntervalSinceNow > CertificatePlanning.rotationThreshold {
                return Self.observed(s, address: request.address)
            }
            return Self.observed(try pki.issue(id, addresses: addresses), address: request.address)
        } catch {
            throw ProviderError(provider: kind, address: request.address, operation: "create", message: "\(error)", retryable: false)
        }
    }

    func read(address: String, kind: ResourceKind) throws(ProviderError) -> ObservedResource? {
        do {
            if kind == .ca { return try pki.authoritySummary().map { Self.observed($0, address: address) } }
            guard let id = Self.identity(address) else { return nil }
            return try pki.summary(id).map { Self.observed($0, address: address) }
        } catch {
            throw ProviderError(provider: self.kind, address: address, operation: "read", message: "\(error)", retryable: false)
        }
    }

    func update(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource { try create(request) }

    func delete(address: String, kind: ResourceKind) throws(ProviderError) {
        if kind == .ca {
            try? FileManager.default.removeItem(at: pki.caKeyFile)
            try? FileManager.default.removeItem(at: pki.caCertificateFile)
        } else if let id = Self.identity(address) {
            pki.remove(id)
        }
        // The directory goes with its last file (destroy).
        if let left = try? FileManager.default.contentsOfDirectory(atPath: pki.directory.path), left.isEmpty {
            try? FileManager.default.removeItem(at: pki.directory)
        }
    }

    /// What the state records: fingerprints, serial, names and dates; never a key.
    static func observed(_ s: CertificateSummary, address: String) -> ObservedResource {
        var a: [String: JSONValue] = [
            "fingerprint": .string(s.fingerprint), "serial": .string(s.serial),
            "notBefore": .string(s.notBefore.formatted(.iso8601)), "notAfter": .string(s.notAfter.formatted(.iso8601)),
            "names": .array(s.names.map { .string($0) }),
        ]
        if let i = s.issuerFingerprint { a["issuer"] = .string(i) }
        return ObservedResource(providerID: s.fingerprint, attributes: .object(a))
    }
}
