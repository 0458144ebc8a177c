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
    public var mark: SourceMark
    public var credentialsMark: SourceMark?
}
