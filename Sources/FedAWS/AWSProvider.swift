import FedCloud
import FedDigest
import FedHost
import FedHTTP
import FedSpec
import Foundation

/// The AWS provider of one cloud of the spec: `cloud.<name>` is its credential (checked with STS
/// and recorded as account, ARN and fingerprint), `aggregator.main` an EC2 instance with its own
/// key pair and security group. Every resource is tagged with the federation and its address,
/// and found again by those tags, so a create that was interrupted or retried adopts what it
/// made instead of making a second one.
public struct AWSProvider: Provider {
    public let kind = "aws"
    /// One provider per aws cloud of the spec: `aws.<cloud>`.
    public var instance: String { "aws.\(settings.cloud)" }

    public struct Settings: Sendable {
        /// The cloud's name in the spec, its credential reference and endpoint override (may be `${env:NAME}`).
        public var cloud: String
        public var credentials: CredentialRef?
        public var endpoint: String?
        /// The region used when a request does not name one (read and delete): the recorded placement's.
        public var region: String
        /// Each recorded aggregator's region by address (the global one and regional ones may
        /// each be in another region); read and delete look there first.
        public var recordedRegions: [String: String] = [:]
        public var federation: String
        /// The state's lineage when it exists (read when used: the first apply creates it).
        public var lineage: @Sendable () -> String?
        /// Where generated SSH keys are kept (0700 directory, 0600 keys), beside the state.
        public var keyDirectory: URL
        public var specDirectory: URL
        public var environment: [String: String]
        /// The aggregator's port, opened to `participantCIDRs` (the participants' declared
        /// networks) and `operatorCIDRs`; SSH to `operatorCIDRs` (the cloud's `ssh.allowFrom`).
        /// A request's `participantNetworks`/`operatorNetworks` inputs take precedence.
        public var aggregatorPort: Int = 8443
        public var participantCIDRs: [String] = []
        public var operatorCIDRs: [String] = []
        /// How fedplane logs in to the VM it makes (user, port, workdir, a known_hosts file).
        public var ssh = SSHSettings()
        /// An AMI to use; nil: the newest Ubuntu LTS server image by `DescribeImages`.
        public var imageID: String?
        public var imageOwner = "099720109477"
        public var imageNamePattern = "ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*"
        public var retry = FedHTTP.RetryPolicy()
        public var pollInterval: Double = 2
        public var pollAttempts = 90
        public var http = CloudHTTP()

        public init(cloud: CloudSpec, region: String, federation: String, lineage: @escaping @Sendable () -> String?,
                    keyDirectory: URL, specDirectory: URL, environment: [String: String]) {
            self.init(cloud: cloud.name, credentials: cloud.credentials, endpoint: cloud.endpoint, region: region, federation: federation,
                      lineage: lineage, keyDirectory: keyDirectory, specDirectory: specDirectory, environment: environment)
            if let s = cloud.ssh {
                ssh = s
                operatorCIDRs = s.allowFrom
            }
            imageID = cloud.image
        }

        public init(cloud: String, credentials: CredentialRef?, endpoint: String?, region: String, federation: String,
                    lineage: @escaping @Sendable () -> String?, keyDirectory: URL, specDirectory: URL, environment: [String: String]) {
            self.cloud = cloud
            self.credentials = credentials
            self.endpoint = endpoint
            self.region = region
            self.federation = federation
            self.lineage = lineage
            self.keyDirectory = keyDirectory
            self.specDirectory = specDirectory
            self.environment = environment
        }
    }

    public let settings: Settings

    public init(_ settings: Settings) { self.settings = settings }

    // MARK: clients

    /// The endpoint override, `${env:NAME}` resolved (an unset variable: AWS's own endpoint).
    public func endpoint() throws(CredentialError) -> CloudEndpoint? {
        guard var text = settings.endpoint else { return nil }
        if text.hasPrefix("${env:"), text.hasSuffix("}") {
            let name = String(text.dropFirst(6).dropLast())
            // Unset means no override: a spec can name an emulator's variable and still run
            // against AWS itself (the case study does).
            guard let v = settings.environment[name], !v.isEmpty else { return nil }
            text = v
        }
        do {
            return try CloudEndpoint(text, allowInsecure: settings.environment["FEDPLANE_INSECURE_ENDPOINTS"] == "1")
        } catch {
            throw CredentialError(cloud: settings.cloud, reference: "endpoint", problem: error.description)
        }
    }

    public func loadCredentials() throws(CredentialError) -> (AWSCredentials, [String]) {
        guard let ref = settings.credentials else {
            throw CredentialError(cloud: settings.cloud, reference: "none", problem: "an aws cloud needs credentials: { profile: NAME }, { file: PATH } or { env: [KEY_ID_VAR, SECRET_VAR] }")
        }
        return try AWSCredentialLoader(cloud: settings.cloud, reference: ref, specDirectory: settings.specDirectory,
                                       environment: settings.environment).load()
    }

    /// A client for `region`, credentials loaded now (never kept between commands).
    public func client(region: String? = nil) throws(CredentialError) -> AWSClient {
        let (credentials, warnings) = try loadCredentials()
        for w in warnings { Warnings.once(w) }
        let endpoint = try endpoint()
        if let endpoint, endpoint.insecure {
            Warnings.once("clouds.\(settings.cloud).endpoint \(endpoint) is plain http to a host that is not loopback: signed requests and answers cross the network unencrypted (FEDPLANE_INSECURE_ENDPOINTS=1)")
        }
        return AWSClient(region: region ?? settings.region, credentials: credentials, endpointOverride: endpoint,
                         http: settings.http, retry: settings.retry)
    }

    func fail(_ address: String, _ operation: String, _ e: AWSAPIError) -> ProviderError {
        var message = e.description
        if let meaning = e.credentialMeaning { message += " — \(meaning)" }
        return ProviderError(provider: "aws", address: address, operation: "\(e.service) \(e.action)", message: message, retryable: e.retryable)
    }

    func fail(_ address: String, _ e: CredentialError) -> ProviderError {
        ProviderError(provider: "aws", address: address, operation: "load credentials", message: e.description, retryable: false)
    }

    // MARK: Provider

    public func create(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource {
        switch request.kind {
        case .cloud: return try verify(address: request.address)
        case .aggregator: return try createAggregator(request)
        default: throw unsupported(request.address, request.kind)
        }
    }

    public func read(address: String, kind: ResourceKind) throws(ProviderError) -> ObservedResource? {
        switch kind {
        case .cloud: return try verify(address: address)
        case .aggregator:
            let ec2 = try ec2(address, region: settings.recordedRegions[address])
            do {
                return try find(ec2, address: address).map { observe($0, region: ec2.client.region, address: address) }
            } catch { throw fail(address, "read", error) }
        default: throw unsupported(address, kind)
        }
    }

    public func update(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource {
        // Every input of these resources forces a replacement; an update is the adoption of what
        // an interrupted apply made, which create does by tag.
        try create(request)
    }

    public func delete(address: String, kind: ResourceKind) throws(ProviderError) {
        switch kind {
        case .cloud: return
        case .aggregator: try deleteAggregator(address)
        default: throw unsupported(address, kind)
        }
    }

    func unsupported(_ address: String, _ kind: ResourceKind) -> ProviderError {
        ProviderError(provider: "aws", address: address, operation: "plan", message: "the aws provider makes clouds and aggregators, not \(kind.rawValue)s (participants train in their private clouds)", retryable: false)
    }

    /// `cloud.<name>`: who the credential is. Recorded: account, ARN, fingerprint; never a key.
    public func verify(address: String) throws(ProviderError) -> ObservedResource {
        let client: AWSClient
        do { client = try self.client(region: "us-east-1") } catch { throw fail(address, error) }
        guard let reference = settings.credentials else { throw unsupported(address, .cloud) }
        do {
            let id = try client.callerIdentity()
            return ObservedResource(providerID: id.arn, attributes: [
                "account": .string(id.account), "arn": .string(id.arn),
                "credentialsFingerprint": .string(AWSCredentialLoader.fingerprint(reference, client.credentials)),
            ])
        } catch { throw fail(address, "verify", error) }
    }

    func ec2(_ address: String, region: String?) throws(ProviderError) -> EC2 {
        do { return EC2(client: try client(region: region)) } catch { throw fail(address, error) }
    }

    // MARK: naming and tags

    /// `fedplane-<federation>-<address>` with characters EC2 names accept.
    func name(_ address: String) -> String {
        "fedplane-\(settings.federation)-" + address.map { $0.isLetter || $0.isNumber || $0 == "-" ? String($0) : "-" }.joined()
    }

    func tags(_ address: String) -> [(String, String)] {
        var t = [("fedplane:federation", settings.federation), ("fedplane:address", address), ("Name", name(address))]
        if let l = settings.lineage() { t.append(("fedplane:lineage", l)) }
        return t
    }

    func tagFilters(_ address: String) -> [(String, [String])] {
        [("tag:fedplane:federation", [settings.federation]), ("tag:fedplane:address", [address])]
    }

    public func keyFile(_ address: String) -> URL { settings.keyDirectory.appendingPathComponent(name(address)) }

    /// The instance fedplane made for `address`, whatever its state short of terminated.
    func find(_ ec2: EC2, address: String) throws(AWSAPIError) -> EC2Instance? {
        try ec2.describeInstances(filters: tagFilters(address) + [("instance-state-name", ["pending", "running", "stopping", "stopped"])])
            .sorted { $0.id < $1.id }.first
    }

    func observe(_ i: EC2Instance, region: String, address: String) -> ObservedResource {
        var a: [String: JSONValue] = ["instanceId": .string(i.id), "state": .string(i.state), "region": .string(region),
                                      "instanceType": .string(i.instanceType), "imageId": .string(i.imageID),
                                      "port": .number(Double(settings.aggregatorPort))]
        if let ip = i.publicIP {
            a["publicIp"] = .string(ip)
            // What another aggregator's firewall admits for this one (a regional aggregator
            // posting to the global one).
            a["hostCidr"] = .string(ip.contains(":") ? "\(ip)/128" : "\(ip)/32")
        }
        if let ip = i.privateIP { a["privateIp"] = .string(ip) }
        // Where the runtime reaches it: the public address (participants are outside the VPC).
        if let host = i.publicIP ?? i.privateIP {
            a["host"] = .string(host)
            a["endpoint"] = .string("https://\(host.contains(":") ? "[\(host)]" : host):\(settings.aggregatorPort)")
            a["workdir"] = .string(aggregatorDirectory(address))
        }
        return ObservedResource(providerID: i.id, attributes: .object(a))
    }

    // MARK: the VM as an SSH host

    /// `<workdir>/<federation>` on the VM (a relative workdir is under the login directory).
    var federationDirectory: String { "\(settings.ssh.workdir)/\(settings.federation)" }
    /// `aggregator` for the global aggregator (as before regional ones existed), else
    /// `aggregator-regional-<n>`: each has a VM of its own, but one name per address keeps two
    /// records from ever sharing a directory.
    func aggregatorDirectory(_ address: String) -> String {
        address == "aggregator.main" ? "\(federationDirectory)/aggregator"
            : "\(federationDirectory)/" + address.replacingOccurrences(of: ".", with: "-")
    }

    /// The host keys of the VMs this cloud made: a fresh VM's key cannot be known in advance, so
    /// it is recorded at first contact and any later change is refused.
    public var knownHostsFile: URL { settings.keyDirectory.appendingPathComponent("known_hosts") }
}

extension AWSProvider: AggregatorHosting {
    /// The aggregator VM as an SSH machine: its observed address, the key fedplane generated for
    /// it, the login user of the cloud's `ssh` settings (default `ubuntu`, the image's).
    public func aggregatorHost(observed: JSONValue) -> AggregatorHost? {
        aggregatorHost(address: "aggregator.main", observed: observed)
    }

    /// The global aggregator's VM or a regional one's: each has its own key pair.
    public func aggregatorHost(address: String, observed: JSONValue) -> AggregatorHost? {
        guard let host = observed["host"]?.stringValue else { return nil }
        let s = settings.ssh
        // The spec's known_hosts file arrives resolved (ProviderFactory.localPath).
        let knownHosts = s.knownHosts ?? knownHostsFile.path
        let target = SSHTarget(host: host, port: s.port, user: s.user ?? "ubuntu", identityFile: keyFile(address).path,
                               knownHostsFile: knownHosts, jump: s.jump, trustOnFirstUse: s.knownHosts == nil || s.trustOnFirstUse)
        let machine = SSHProvider.Machine(target: target, workdir: s.workdir, agentPath: s.agentPath)
        return AggregatorHost(machine: machine, directory: aggregatorDirectory(address), federationDirectory: federationDirectory)
    }
}
