import FedDigest

/// Where a recorded aggregator runs when that is a machine fedplane reaches over SSH (an `ssh`
/// cloud's aggregator host, a VM fedplane made in a public cloud): the runtime starts the
/// service there the same way, whichever provider made the machine.
public struct AggregatorHost: Sendable {
    public var machine: SSHProvider.Machine
    /// The aggregator's own directory, and the federation's (where the binary is installed).
    public var directory: String
    public var federationDirectory: String

    public init(machine: SSHProvider.Machine, directory: String, federationDirectory: String) {
        self.machine = machine
        self.directory = directory
        self.federationDirectory = federationDirectory
    }
}

public protocol AggregatorHosting {
    /// The machine of the aggregator recorded with these observed attributes; nil when this
    /// provider's aggregator is not an SSH machine (or the record names none).
    func aggregatorHost(observed: JSONValue) -> AggregatorHost?
    /// The same for any recorded aggregator: `aggregator.main` or a regional one
    /// (`aggregator.regional.<n>`, hierarchical topology).
    func aggregatorHost(address: String, observed: JSONValue) -> AggregatorHost?
}

extension AggregatorHosting {
    /// Providers that host no regional aggregator know only the main one.
    public func aggregatorHost(address: String, observed: JSONValue) -> AggregatorHost? {
        address == "aggregator.main" ? aggregatorHost(observed: observed) : nil
    }
}

extension SSHProvider: AggregatorHosting {
    public func aggregatorHost(observed: JSONValue) -> AggregatorHost? {
        aggregator.map { AggregatorHost(machine: $0, directory: aggregatorDirectory($0), federationDirectory: federationDirectory($0)) }
    }

    public func aggregatorHost(address: String, observed: JSONValue) -> AggregatorHost? {
        guard let name = Self.regionalName(address) else { return aggregatorHost(observed: observed) }
        // The host it was created on (recorded), when the spec still names that host.
        let recorded = observed["host"]?.stringValue
        guard let m = regionals[name].flatMap({ recorded == nil || $0.target.host == recorded ? $0 : nil })
                ?? regionals.values.first(where: { $0.target.host == recorded })
                ?? aggregator.flatMap({ $0.target.host == recorded ? $0 : nil }) else { return nil }
        return AggregatorHost(machine: m, directory: observed["workdir"]?.stringValue ?? regionalDirectory(m, name: name),
                              federationDirectory: federationDirectory(m))
    }
}
