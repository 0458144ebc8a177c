import FedDigest
import FedHost
import Foundation

/// A private cloud whose machines fedplane reaches with OpenSSH (how cross-silo sites are
/// reached). Participants' VMs and an aggregator host are machines the spec names; "creating" a
/// resource prepares its working directory there, and the VMs' resources are observed by asking
/// the hosts. One instance per cloud of the spec (`ssh.<cloud>`).
public struct SSHProvider: Provider, VMProber {
    public let kind = "ssh"
    public let cloud: String
    public let federation: String
    /// participant → VM id → the machine.
    public let machines: [String: [String: Machine]]
    /// The participants' minimum resources (vCPU, memory GiB, free disk GiB) checked on probe.
    public let minimums: [String: (vcpu: Int, memoryGiB: Double, diskGiB: Double)]
    /// The aggregator's host when this cloud hosts it.
    public let aggregator: Machine?
    /// The aggregator's port (0: choose a free one on its host).
    public let aggregatorPort: Int
    /// Hierarchical topology: each regional aggregator's host by its name (`1` for
    /// `aggregator.regional.1`), from `aggregator.regionalHosts`.
    public var regionals: [String: Machine] = [:]
    /// Per regional aggregator name, the host the state records it on when the spec no longer
    /// names that host (its `regionalHosts` changed or went): searched, best effort, when that one
    /// is read or deleted; never created on. A former host that does not answer is skipped with a
    /// warning, so a dead machine dropped from the spec blocks neither plan nor destroy.
    public var formerRegionalHosts: [String: [Machine]] = [:]

    public var instance: String { "ssh.\(cloud)" }

    /// One host and where fedplane works on it.
    public struct Machine: Sendable {
        public var target: SSHTarget
        /// The base directory (relative: under the login directory).
        public var workdir: String
        /// A fedplane installed on the host by its owner, used instead of a copy of this build.
        public var agentPath: String?

        public init(target: SSHTarget, workdir: String, agentPath: String? = nil) {
            self.target = target
            self.workdir = workdir
            self.agentPath = agentPath
        }

        public var host: SSHHost { SSHHost(target) }
    }

    public init(cloud: String, federation: String, machines: [String: [String: Machine]],
                minimums: [String: (vcpu: Int, memoryGiB: Double, diskGiB: Double)],
                aggregator: Machine?, aggregatorPort: Int) {
        self.cloud = cloud
        self.federation = federation
        self.machines = machines
        self.minimums = minimums
        self.aggregator = aggregator
        self.aggregatorPort = aggregatorPort
    }

    /// `<workdir>/<federation>`: everything of this federation on a host (removed by destroy).
    public func federationDirectory(_ m: Machine) -> String { "\(m.workdir)/\(federation)" }
    /// A participant's directory on one of its VMs.
    public func participantDirectory(_ m: Machine, participant: String) -> String { "\(federationDirectory(m))/\(participant)" }
    public func aggregatorDirectory(_ m: Machine) -> String { "\(federationDirectory(m))/aggregator" }
    public func regionalDirectory(_ m: Machine, name: String) -> String { "\(federationDirectory(m))/aggregator-regional-\(name)" }
    static let regionalPrefix = "aggregator.regional."
    static func regionalName(_ address: String) -> String? {
        address.hasPrefix(regionalPrefix) ? String(address.dropFirst(regionalPrefix.count)) : nil
    }

    static func name(_ address: String) -> String { String(address.drop { $0 != "." }.dropFirst()) }

    // MARK: Provider

    public func create(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource {
        switch request.kind {
        case .participant: return try prepareParticipant(request.address)
        case .aggregator:
            if let name = Self.regionalName(request.address) { return try prepareRegional(request.address, name: name) }
            return try prepareAggregator(request.address)
        default: return logical(request.address)
        }
    }

    public func read(address: String, kind: ResourceKind) throws(ProviderError) -> ObservedResource? {
        switch kind {
        case .participant:
            let vms = machines[Self.name(address)] ?? [:]
            var unreachable: [String] = []
            for (id, m) in vms.sorted(by: { $0.key < $1.key }) {
                do {
                    if try m.host.exists(participantDirectory(m, participant: Self.name(address))) { return participantObserved(address, unreachable: []) }
                } catch { unreachable.append("\(id): \(error.message)") }
            }
            // Nothing answered: the hosts are down, which says nothing about what is on them.
            if !vms.isEmpty && unreachable.count == vms.count { return participantObserved(address, unreachable: unreachable) }
            return nil
        case .aggregator:
            if let name = Self.regionalName(address) { return try readRegional(address, name: name) }
            guard let m = aggregator else { return nil }
            let dir = aggregatorDirectory(m)
            let text: String
            do {
                text = try m.host.shell("cat \(Shell.quote(dir + "/port")) 2>/dev/null", input: nil, timeout: 30).stdout
            } catch {
                throw ProviderError(provider: instance, address: address, operation: "read \(dir) on \(m.host.label)", message: error.message, retryable: error.retryable)
            }
            guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            return aggregatorObserved(m, port: port)
        default:
            return logical(address)
        }
    }

    public func update(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource { try create(request) }

    public func delete(address: String, kind: ResourceKind) throws(ProviderError) {
        switch kind {
        case .participant:
            let participant = Self.name(address)
            for (_, m) in (machines[participant] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let dir = participantDirectory(m, participant: participant)
                try perform(address, "remove \(dir) on \(m.host.label)") {
                    try m.host.stopGroup(pidFile: dir + "/agent.pid", grace: 2)
                    try m.host.run("rm -rf -- \(Shell.quote(dir))\n" + removeFederationDirectoryIfDone(m), "remove \(dir)")
                }
            }
        case .aggregator:
            if let name = Self.regionalName(address) { return try deleteRegional(address, name: name) }
            guard let m = aggregator else { return }
            let dir = aggregatorDirectory(m)
            try perform(address, "stop the aggregator and remove \(dir) on \(m.host.label)") {
                try m.host.stopGroup(pidFile: dir + "/aggregator.pid", grace: 5)
                try m.host.run("rm -rf -- \(Shell.quote(dir))\n" + removeFederationDirectoryIfDone(m), "remove \(dir)")
            }
        default:
            return
        }
    }

    /// The federation's directory goes once no participant or aggregator directory is left in it
    /// (the agent binary fedplane copied there goes with it).
    private func removeFederationDirectoryIfDone(_ m: Machine) -> String {
        let f = Shell.quote(federationDirectory(m))
        return "if [ -d \(f) ] && [ -z \"$(ls -A \(f) | grep -v '^bin$')\" ]; then rm -rf -- \(f); fi"
    }

    // MARK: Participants

    private func prepareParticipant(_ address: String) throws(ProviderError) -> ObservedResource {
        let participant = Self.name(address)
        let vms = machines[participant] ?? [:]
        var failures: [String] = []
        for (id, m) in vms.sorted(by: { $0.key < $1.key }) {
            do {
                try m.host.run("umask 077 && mkdir -p \(Shell.quote(participantDirectory(m, participant: participant)))", "prepare the working directory")
            } catch {
                failures.append("\(id) (\(m.host.label)): \(error.message)")
            }
        }
        // One reachable VM is enough to run the participant's tasks; the others are probed
        // again before each task.
        if !vms.isEmpty && failures.count == vms.count {
            throw ProviderError(provider: instance, address: address, operation: "prepare working directories over ssh",
                                message: "no VM of \(participant) could be prepared: " + failures.joined(separator: "; "), retryable: true)
        }
        return participantObserved(address, unreachable: failures)
    }

    private func participantObserved(_ address: String, unreachable: [String]) -> ObservedResource {
        let participant = Self.name(address)
        var hosts: [String: JSONValue] = [:]
        for (id, m) in machines[participant] ?? [:] { hosts[id] = .string(m.target.label) }
        var attributes: [String: JSONValue] = ["hosts": .object(hosts)]
        if !unreachable.isEmpty { attributes["unreachable"] = .array(unreachable.sorted().map { .string($0) }) }
        return ObservedResource(providerID: "\(instance):\(address)", attributes: .object(attributes))
    }

    public func probe(participant: String, vm: String, timeoutSeconds: Double, readOnly: Bool) -> VMHealth {
        guard let result = facts(participant: participant, vm: vm, timeoutSeconds: timeoutSeconds) else {
            return .unhealthy("\(vm) is not a host of the ssh cloud \(cloud)")
        }
        switch result {
        case .failure(let e) where e.kind == .timedOut: return .timedOut
        case .failure(let e): return .unhealthy("ssh \(e.host): \(e.message)")
        case .success(let f):
            if let why = Self.belowMinimum(f, vm: vm, minimum: minimums[participant]) { return .unhealthy(why) }
            return .healthy
        }
    }

    public func facts(participant: String, vm: String, timeoutSeconds: Double) -> Result<HostFacts, HostError>? {
        guard let m = machines[participant]?[vm] else { return nil }
        var host = m.host
        host.connectTimeout = max(1, Int(timeoutSeconds.rounded(.up)))
        do {
            return .success(try host.facts(directory: participantDirectory(m, participant: participant), timeout: max(timeoutSeconds, 1) + 5))
        } catch {
            return .failure(error)
        }
    }

    /// Why observed resources rule a VM out, or nil.
    public static func belowMinimum(_ f: HostFacts, vm: String, minimum: (vcpu: Int, memoryGiB: Double, diskGiB: Double)?) -> String? {
        guard let minimum else { return nil }
        var short: [String] = []
        if f.vcpu < minimum.vcpu { short.append("\(f.vcpu) vCPU (minimum \(minimum.vcpu))") }
        // Kernels keep some memory for themselves: 5 % below the declared size still counts.
        if f.memoryGiB < minimum.memoryGiB * 0.95 { short.append("\(f.memoryGiB) GiB memory (minimum \(minimum.memoryGiB))") }
        if f.freeDiskGiB < minimum.diskGiB { short.append("\(f.freeDiskGiB) GiB free disk (minimum \(minimum.diskGiB))") }
        return short.isEmpty ? nil : "\(vm) reports " + short.joined(separator: ", ")
    }

    // MARK: Aggregator

    private func prepareAggregator(_ address: String) throws(ProviderError) -> ObservedResource {
        guard let m = aggregator else {
            throw ProviderError(provider: instance, address: address, operation: "prepare the aggregator host",
                                message: "the spec names no aggregator.host on the ssh cloud \(cloud)", retryable: false)
        }
        let dir = aggregatorDirectory(m)
        var port = 0
        try perform(address, "prepare \(dir) on \(m.host.label)") {
            let existing = try m.host.shell("cat \(Shell.quote(dir + "/port")) 2>/dev/null", input: nil, timeout: 30).stdout
            if let p = Int(existing.trimmingCharacters(in: .whitespacesAndNewlines)), aggregatorPort == 0 || p == aggregatorPort {
                port = p
                return
            }
            port = aggregatorPort != 0 ? aggregatorPort : try freePort(m)
            try m.host.run("umask 077 && mkdir -p \(Shell.quote(dir)) && echo \(port) > \(Shell.quote(dir + "/port"))", "prepare the aggregator's directory")
        }
        return aggregatorObserved(m, port: port)
    }

    private func aggregatorObserved(_ m: Machine, port: Int, address: String = "aggregator.main", directory: String? = nil) -> ObservedResource {
        ObservedResource(providerID: "\(instance):\(address)", attributes: [
            "host": .string(m.target.host), "port": .number(Double(port)), "endpoint": .string("https://\(Self.urlHost(m.target.host)):\(port)"),
            "workdir": .string(directory ?? aggregatorDirectory(m)), "ssh": .string(m.target.label),
        ])
    }

    // MARK: Regional aggregators (hierarchical topology)

    /// Its own directory on its host, with its port recorded there like the main aggregator's.
    private func prepareRegional(_ address: String, name: String) throws(ProviderError) -> ObservedResource {
        guard let m = regionals[name] else {
            throw ProviderError(provider: instance, address: address, operation: "prepare the regional aggregator's host",
                                message: "the spec names no host for \(address) on the ssh cloud \(cloud) (aggregator.regionalHosts)", retryable: false)
        }
        let dir = regionalDirectory(m, name: name)
        var port = 0
        try perform(address, "prepare \(dir) on \(m.host.label)") {
            let wanted = try regionalPort(m, name: name)
            let existing = try m.host.shell("cat \(Shell.quote(dir + "/port")) 2>/dev/null", input: nil, timeout: 30).stdout
            if let p = Int(existing.trimmingCharacters(in: .whitespacesAndNewlines)), aggregatorPort == 0 || p == wanted {
                port = p
                return
            }
            port = wanted
            try m.host.run("umask 077 && mkdir -p \(Shell.quote(dir)) && echo \(port) > \(Shell.quote(dir + "/port"))", "prepare the regional aggregator's directory")
        }
        return aggregatorObserved(m, port: port, address: address, directory: dir)
    }

    /// The spec's port, moved up by one for each aggregator of this federation before it on the
    /// same host (the main one, then regional ones by name), so two never share a port; with
    /// port 0, the next free port after theirs.
    private func regionalPort(_ m: Machine, name: String) throws -> Int {
        let sameHost = regionals.filter { $0.value.target.host == m.target.host }.keys.sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }
        let index = (sameHost.firstIndex(of: name) ?? 0) + (aggregator?.target.host == m.target.host ? 1 : 0)
        if aggregatorPort != 0 { return aggregatorPort + index }
        return try freePort(m, skipping: index)
    }

    /// Found on its host, or on another aggregator host of the spec where an earlier spec put it
    /// (then the plan sees its recorded host differ and replaces it).
    private func readRegional(_ address: String, name: String) throws(ProviderError) -> ObservedResource? {
        for (m, former) in regionalHosts(name) {
            let dir = regionalDirectory(m, name: name)
            let text: String
            do {
                text = try m.host.shell("cat \(Shell.quote(dir + "/port")) 2>/dev/null", input: nil, timeout: 30).stdout
            } catch {
                if former {
                    skipFormerHost(address, m, error.message)
                    continue
                }
                throw ProviderError(provider: instance, address: address, operation: "read \(dir) on \(m.host.label)", message: error.message, retryable: error.retryable)
            }
            if let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return aggregatorObserved(m, port: port, address: address, directory: dir)
            }
        }
        return nil
    }

    /// Stops it and removes its directory wherever it may be: its host now and the other
    /// aggregator hosts (a spec that moved or dropped it no longer says where it ran).
    private func deleteRegional(_ address: String, name: String) throws(ProviderError) {
        for (m, former) in regionalHosts(name) {
            let dir = regionalDirectory(m, name: name)
            do {
                try perform(address, "stop the regional aggregator and remove \(dir) on \(m.host.label)") {
                    try m.host.stopGroup(pidFile: dir + "/aggregator.pid", grace: 5)
                    try m.host.run("rm -rf -- \(Shell.quote(dir))\n" + removeFederationDirectoryIfDone(m), "remove \(dir)")
                }
            } catch where former {
                skipFormerHost(address, m, error.message)
                continue
            }
        }
    }

    /// A former host is searched best effort: one that cannot be is named, with what was not done.
    private func skipFormerHost(_ address: String, _ m: Machine, _ why: String) {
        Warnings.once("\(address): its former host \(m.host.label) (recorded in the state) could not be searched (\(why)); anything of it left there was neither checked nor removed")
    }

    /// Its host in the spec first, then every other aggregator host of this cloud, then the host
    /// the state recorded it on (`former`: best effort), once each.
    private func regionalHosts(_ name: String) -> [(machine: Machine, former: Bool)] {
        let current = (regionals[name].map { [$0] } ?? []) + regionals.sorted { $0.key < $1.key }.map(\.value) + (aggregator.map { [$0] } ?? [])
        var seen = Set<String>(), out: [(machine: Machine, former: Bool)] = []
        for m in current where seen.insert(m.target.label).inserted { out.append((m, false)) }
        for m in formerRegionalHosts[name] ?? [] where seen.insert(m.target.label).inserted { out.append((m, true)) }
        return out
    }

    static func urlHost(_ h: String) -> String { h.contains(":") ? "[\(h)]" : h }

    /// A port nothing listens on at the host, picked from a range by the federation's name so
    /// that it stays the same across applies (read from /proc: no tool needed on the host).
    private func freePort(_ m: Machine, skipping: Int = 0) throws -> Int {
        let out = try m.host.run("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk 'NR>1 && $4==\"0A\" {split($2,a,\":\"); print a[2]}'", "list listening ports")
        let busy = Set(out.split(separator: "\n").compactMap { Int($0, radix: 16) })
        var h: UInt32 = 2166136261
        for b in federation.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
        let start = 20000 + Int(h % 10000)
        var skip = skipping
        for i in 0..<10000 {
            let p = 20000 + (start - 20000 + i) % 10000
            if !busy.contains(p) {
                if skip == 0 { return p }
                skip -= 1
            }
        }
        throw HostError(.failed, host: m.host.label, operation: "choose a port", message: "no free port in 20000–29999")
    }

    // MARK: -

    private func logical(_ address: String) -> ObservedResource {
        ObservedResource(providerID: "\(instance):\(address)", attributes: ["cloud": .string(cloud)])
    }

    private func perform(_ address: String, _ operation: String, _ body: () throws -> Void) throws(ProviderError) {
        do { try body() } catch let e as HostError {
            throw ProviderError(provider: instance, address: address, operation: operation, message: e.message, retryable: e.retryable)
        } catch {
            throw ProviderError(provider: instance, address: address, operation: operation, message: "\(error)", retryable: false)
        }
    }
}
