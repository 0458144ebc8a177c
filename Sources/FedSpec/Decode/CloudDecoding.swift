import Foundation

extension SpecDecoder {
    /// Keys that would hold a secret value. They are recognised so the error can say "inline
    /// secret" (and never suggest them as a correction for a typo).
    static let secretKeys: Set<String> = [
        "accessKeyId", "accessKey", "secretAccessKey", "secretKey", "secret", "password", "token",
        "sessionToken", "clientSecret", "privateKey", "apiKey", "key", "value",
        "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "client_secret", "private_key",
    ]

    static let envNamePattern = try! NSRegularExpression(pattern: "^[A-Za-z_][A-Za-z0-9_]*$")

    /// Clouds by name. A cloud whose fields fail still appears (so references to it resolve);
    /// its errors are already recorded.
    func decodeClouds(_ f: Field) -> [CloudSpec] {
        guard case .mapping(let pairs) = f.node.kind else {
            f.error("expected a mapping of cloud names to clouds, got \(f.got)")
            return []
        }
        if pairs.isEmpty { f.error("define at least one cloud") }
        var clouds: [CloudSpec] = []
        for p in pairs {
            guard let key = p.key.scalar else { continue }
            let cf = Field(node: p.value, path: f.path.appending(key), ctx: ctx)
            let nameField = Field(node: p.key, path: f.path.appending(key), ctx: ctx)
            _ = name(nameField)
            clouds.append(decodeCloud(key, cf))
        }
        return clouds
    }

    private func decodeCloud(_ name: String, _ f: Field) -> CloudSpec {
        guard let m = f.mapping(["provider", "credentials", "endpoint", "ssh", "image"]) else {
            ctx.unknownProvider.insert(name)
            return CloudSpec(name: name, provider: .local, credentials: nil, endpoint: nil, mark: f.mark, credentialsMark: nil)
        }
        let provider = m.required("provider")?.oneOf(ProviderKind.self)
        if provider == nil { ctx.unknownProvider.insert(name) }
        var credentials: CredentialRef?
        if let cf = m["credentials"] {
            var sensitive = cf
            sensitive.sensitive = true
            credentials = decodeCredentials(sensitive)
            if provider == .local {
                cf.error("the local provider uses no credentials; remove this field")
            }
        } else if let provider, provider.isPublic {
            f.ctx.error(m.keyMark("provider") ?? f.mark, f.path.appending("credentials"),
                        "a \(provider.rawValue) cloud needs credentials: { profile: NAME }, { file: PATH } or { env: [VAR, ...] }")
        }
        var endpoint: String?
        if let ef = m["endpoint"], let e = ef.text() {
            endpoint = e
            validateEndpoint(e, ef)
        }
        var ssh: SSHSettings?
        if let sf = m["ssh"] {
            if let provider, provider != .ssh && provider != .aws {
                sf.error("ssh settings apply to a cloud with provider: ssh (its hosts) or aws (the aggregator VM fedplane makes there)")
            }
            ssh = decodeSSH(sf, provider: provider)
        } else if provider == .ssh {
            ssh = SSHSettings()
        }
        if provider == .ssh, let credentials, case .file = credentials {} else if provider == .ssh, m["credentials"] != nil {
            m["credentials"]?.error("an ssh cloud's credentials are its identity file: { file: PATH } (or leave them out to use the user's ssh agent and ~/.ssh)")
        }
        var image: String?
        if let imf = m["image"], let i = imf.text() {
            if provider != nil && provider != .aws { imf.error("image applies to an aws cloud (the aggregator VM's AMI)") }
            else if !i.hasPrefix("ami-") { imf.error("expected an AMI id (ami-…), got \(imf.got)") }
            else { image = i }
        }
        return CloudSpec(name: name, provider: provider ?? .local, credentials: credentials, endpoint: endpoint, ssh: ssh,
                         image: image, mark: f.mark, credentialsMark: m["credentials"]?.mark)
    }

    private func decodeSSH(_ f: Field, provider: ProviderKind?) -> SSHSettings? {
        guard let m = f.mapping(["user", "port", "knownHosts", "jump", "trustOnFirstUse", "workdir", "agentPath", "allowFrom"], hidden: Self.secretKeys) else { return nil }
        for key in m.keys where Self.secretKeys.contains(key) {
            f.ctx.error(m.keyMark(key), f.path.appending(key), "inline secret: an ssh cloud's identity file is referenced with credentials: { file: PATH }")
        }
        var s = SSHSettings()
        if let u = m["user"]?.text() { s.user = u }
        if let pf = m["port"], let p = pf.int(atLeast: 1) {
            if p > 65535 { pf.error("expected a TCP port (1–65535), got \(pf.got)") } else { s.port = p }
        }
        s.knownHosts = m["knownHosts"]?.text()
        s.jump = m["jump"]?.text()
        if let t = m["trustOnFirstUse"]?.bool() { s.trustOnFirstUse = t }
        if let w = m["workdir"]?.text() { s.workdir = w }
        if let af = m["agentPath"], let a = af.text() {
            if !a.hasPrefix("/") && a.contains("/") {
                af.error("give an absolute path, or a command name found on the host's PATH (got \(af.got))")
            } else { s.agentPath = a }
        }
        if let af = m["allowFrom"] {
            if provider == .ssh {
                af.error("allowFrom opens SSH on a VM fedplane makes (provider: aws); an ssh cloud's hosts keep their own firewall")
            } else { s.allowFrom = networks(af) }
        }
        return s
    }

    /// A list of CIDRs (`203.0.113.0/24`, `2001:db8::/32`), each checked.
    func networks(_ f: Field) -> [String] {
        guard let items = f.sequence() else { return [] }
        return items.compactMap { item in
            guard let text = item.text() else { return nil }
            guard CIDR.isValid(text) else {
                item.error("expected a network as CIDR (e.g. 203.0.113.0/24 or 2001:db8::/32), got \(item.got)")
                return nil
            }
            return text
        }
    }

    private func validateEndpoint(_ e: String, _ f: Field) {
        if e.hasPrefix("${") {
            let inner = e.dropFirst(2)
            guard inner.hasSuffix("}"), inner.hasPrefix("env:"),
                  Self.matches(Self.envNamePattern, String(inner.dropFirst(4).dropLast())) else {
                f.error("expected a URL or ${env:NAME}, got \(f.got)")
                return
            }
            return
        }
        guard let url = URL(string: e), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            f.error("expected an http(s) URL or ${env:NAME}, got \(f.got)")
            return
        }
    }

    static func matches(_ re: NSRegularExpression, _ s: String) -> Bool {
        re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// A reference to where a secret lives: exactly one of profile, file, env.
    private func decodeCredentials(_ f: Field) -> CredentialRef? {
        guard let m = f.mapping(["profile", "file", "env"], hidden: Self.secretKeys) else { return nil }
        var inline = false
        for key in m.keys where Self.secretKeys.contains(key) {
            inline = true
            f.ctx.error(m.keyMark(key), f.path.appending(key),
                        "inline secret: fedplane never takes a secret value from the spec; store it in a file, a profile or an environment variable and reference it with file:, profile: or env:")
        }
        if inline { return nil }
        let given = ["profile", "file", "env"].filter { m.has($0) }
        guard given.count == 1 else {
            f.error(given.isEmpty ? "give one of profile, file or env"
                                  : "give only one of profile, file or env (found \(given.joined(separator: ", ")))")
            return nil
        }
        switch given[0] {
        case "profile": return m["profile"]?.text().map(CredentialRef.profile)
        case "file": return m["file"]?.text().map(CredentialRef.file)
        default:
            guard let ef = m["env"] else { return nil }
            let items: [Field]
            if case .scalar = ef.node.kind { items = [ef] } else { guard let s = ef.sequence() else { return nil }; items = s }
            var names: [String] = []
            for item in items {
                guard let n = item.string() else { return nil }
                guard Self.matches(Self.envNamePattern, n) else {
                    item.error("not an environment variable name; env: lists the names of variables that hold the secret, never the secret itself")
                    return nil
                }
                names.append(n)
            }
            if names.isEmpty { ef.error("list at least one environment variable name") }
            return names.isEmpty ? nil : .env(names)
        }
    }
}
