import Foundation

/// How strictly credential references are checked. `validate` and `optimize` warn (example specs
/// must validate on any machine); `plan`, `apply` and `auth verify` require them.
public enum CredentialCheck: Sendable {
    case skip, warn, require
}

/// Checks that each referenced credential exists: the file is there, the env vars are set, the
/// profile is defined. It looks at names only and never reads a secret into a message.
struct CredentialReferenceCheck {
    let spec: Spec
    let ctx: DecodeContext
    let mode: CredentialCheck
    let environment: [String: String]
    let specDirectory: URL

    func run() {
        guard mode != .skip else { return }
        for cloud in spec.clouds {
            guard let ref = cloud.credentials else { continue }
            let path = SpecPath.root.appending("clouds").appending(cloud.name).appending("credentials")
            if let problem = problem(ref, provider: cloud.provider) {
                if mode == .require {
                    ctx.error(cloud.credentialsMark, path, problem)
                } else {
                    ctx.warning(cloud.credentialsMark, path, problem)
                }
            }
        }
    }

    private func problem(_ ref: CredentialRef, provider: ProviderKind) -> String? {
        switch ref {
        case .file(let f):
            let url = f.hasPrefix("/") ? URL(fileURLWithPath: f) : specDirectory.appendingPathComponent(f)
            // Type and size only: the secret is never read here.
            do {
                _ = try ReferencedFile.check(url.path, kind: .credentials)
                return nil
            } catch {
                switch error.reason {
                case "no such file": return "credentials file \(f) does not exist"
                case "permission denied": return "credentials file \(f) is not readable"
                default: return "credentials file \(f) \(error.reason)"
                }
            }
        case .env(let names):
            let missing = names.filter { (environment[$0] ?? "").isEmpty }
            if missing.isEmpty { return nil }
            return "environment variable\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) \(missing.count > 1 ? "are" : "is") not set"
        case .profile(let name):
            guard provider == .aws else { return "profile references are supported for aws clouds only; use file or env" }
            let profiles = AWSProfiles(environment: environment)
            switch profiles.lookup(name) {
            case .found: return nil
            case .missing: return "AWS profile \"\(name)\" is not defined in \(profiles.searched.joined(separator: " or "))"
            case .unusable(let problem): return problem
            }
        }
    }
}

/// Profile names from the AWS shared config files (section headers only; values are never read).
struct AWSProfiles {
    let environment: [String: String]

    var files: [(path: String, isConfig: Bool)] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        return [(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials", false),
                (environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config", true)]
    }

    var searched: [String] { files.map(\.path) }

    enum Lookup: Equatable { case found, missing, unusable(String) }

    func contains(_ profile: String) -> Bool { lookup(profile) == .found }

    /// Finds the profile's section header. A file that is not a regular file or is too big
    /// (`AWS_SHARED_CREDENTIALS_FILE=/dev/zero`, a 2 GB file) is a problem, not something to read.
    func lookup(_ profile: String) -> Lookup {
        for (path, isConfig) in files {
            let bytes: [UInt8]
            do {
                bytes = try ReferencedFile.read(path, kind: .credentials)
            } catch {
                if error.reason == "no such file" { continue }
                return .unusable("cannot look up AWS profile \"\(profile)\": \(error.description)")
            }
            let text = String(decoding: bytes, as: UTF8.self)
            for line in text.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard t.hasPrefix("["), t.hasSuffix("]") else { continue }
                var name = t.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if isConfig && name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                if name == profile { return .found }
            }
        }
        return .missing
    }
}
