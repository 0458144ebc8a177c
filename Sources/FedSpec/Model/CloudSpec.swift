public enum ProviderKind: String, Sendable, Codable, CaseIterable {
    case aws, gcp, azure, local, ssh, openstack

    /// Public clouds host aggregators; private ones host participants (the trust boundary).
    public var isPublic: Bool {
        switch self {
        case .aws, .gcp, .azure: return true
        case .local, .ssh, .openstack: return false
        }
    }
}

/// Where a credential lives. The spec names it; fedplane never stores or prints its value.
public enum CredentialRef: Hashable, Sendable, CustomStringConvertible {
    case profile(String)
    case file(String)
    case env([String])

    public var description: String {
        switch self {
        case .profile(let p): return "profile \(p)"
        case .file(let f): return "file \(f)"
        case .env(let names): return "env \(names.joined(separator: ", "))"
        }
    }
}

public struct CloudSpec: Sendable {
    public var name: String
    public var provider: ProviderKind
    public var credentials: CredentialRef?
    /// An API endpoint override; may hold `${env:NAME}` resolved when the provider is used.
    public var endpoint: String?
    /// Connection defaults of an `ssh` cloud (each VM may override host, port, user, workdir);
    /// on an `aws` cloud, how fedplane logs in to the aggregator VM it makes there.
    public var ssh: SSHSettings?
    /// An `aws` cloud's machine image for the aggregator (nil: the newest Ubuntu LTS server image).
    public var image: String?
    public var mark: SourceMark
    public var credentialsMark: SourceMark?

    public init(name: String, provider: ProviderKind, credentials: CredentialRef?, endpoint: String?, ssh: SSHSettings? = nil,
                image: String? = nil, mark: SourceMark, credentialsMark: SourceMark?) {
        self.name = name
        self.provider = provider
        self.credentials = credentials
        self.endpoint = endpoint
        self.ssh = ssh
        self.image = image
        self.mark = mark
        self.credentialsMark = credentialsMark
    }
}

/// How an `ssh` cloud's hosts are reached. The identity file is the cloud's `credentials: { file: }`
/// (a reference, as for every cloud); the rest are connection settings.
public struct SSHSettings: Sendable, Hashable {
    public var user: String?
    public var port: Int
    /// A known_hosts file (relative to the spec's directory); nil: the user's own.
    public var knownHosts: String?
    /// A bastion, `[user@]host[:port]` (OpenSSH's ProxyJump).
    public var jump: String?
    /// Accept and record an unknown host key on first contact (never a changed one).
    public var trustOnFirstUse: Bool
    /// Where fedplane works on each host: the agent's binary, assignments, logs. Relative paths
    /// are under the login directory.
    public var workdir: String
    /// A fedplane already installed on the hosts (e.g. by the site's own packaging): used as is
    /// instead of copying this build there.
    public var agentPath: String?
    /// On a cloud where fedplane makes the VM (aws): the networks (CIDRs) its firewall admits
    /// SSH from — the operator's. Empty: SSH stays closed to everyone.
    public var allowFrom: [String] = []

    public static let defaultWorkdir = ".fedplane"

    public init(user: String? = nil, port: Int = 22, knownHosts: String? = nil, jump: String? = nil,
                trustOnFirstUse: Bool = false, workdir: String = SSHSettings.defaultWorkdir) {
        self.user = user
        self.port = port
        self.knownHosts = knownHosts
        self.jump = jump
        self.trustOnFirstUse = trustOnFirstUse
        self.workdir = workdir
    }
}
