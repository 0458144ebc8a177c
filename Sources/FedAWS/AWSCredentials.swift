import FedSpec
import Foundation

/// An AWS key, loaded from its reference at the moment of use and kept only in memory. Its
/// description never shows the secret or the session token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "AWSCredentials(\(accessKeyID), secret redacted)" }
}

/// A credential reference that cannot be used: which cloud, which reference, what is wrong.
/// Never the value.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public var cloud: String
    public var reference: String
    public var problem: String

    public var description: String { "clouds.\(cloud).credentials (\(reference)): \(problem)" }
}

/// Loads AWS credentials from a spec's reference: a profile of the shared credentials/config
/// files, a credentials file (same INI format), or environment variables named in the spec
/// (access key id, secret, optional session token, in that order).
public struct AWSCredentialLoader: Sendable {
    public var cloud: String
    public var reference: CredentialRef
    public var specDirectory: URL
    public var environment: [String: String]

    public init(cloud: String, reference: CredentialRef, specDirectory: URL, environment: [String: String]) {
        self.cloud = cloud
        self.reference = reference
        self.specDirectory = specDirectory
        self.environment = environment
    }

    /// The credentials, and warnings (a key file others can read) for stderr.
    public func load() throws(CredentialError) -> (credentials: AWSCredentials, warnings: [String]) {
        switch reference {
        case .env(let names):
            guard names.count >= 2 else {
                throw fail("an aws cloud needs two variable names (access key id, then secret access key; a third for a session token), got \(names.count)")
            }
            let missing = names.filter { (environment[$0] ?? "").isEmpty }
            if !missing.isEmpty {
                throw fail("environment variable\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) \(missing.count > 1 ? "are" : "is") not set")
            }
            let key = environment[names[0]]!, secret = environment[names[1]]!
            try checkShape(key: key, secret: secret, origin: "variables \(names[0]), \(names[1])")
            return (AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: names.count > 2 ? environment[names[2]] : nil), [])
        case .file(let f):
            let path = f.hasPrefix("/") ? f : specDirectory.appendingPathComponent(f).path
            let (text, warnings) = try read(path)
            let sections = Self.parseINI(text)
            // A file holds one key: its `default` section, its only section, or bare keys.
            let chosen = sections["default"] ?? (sections.count == 1 ? sections.values.first : nil) ?? sections[""]
            guard let values = chosen else {
                throw fail("\(path) has \(sections.count) sections and none is [default]; keep one key per file or use a profile reference")
            }
            return (try credentials(values, origin: path), warnings)
        case .profile(let name):
            let home = environment["HOME"] ?? NSHomeDirectory()
            let files = [(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials", false),
                         (environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config", true)]
            var warnings: [String] = []
            for (path, isConfig) in files where FileManager.default.fileExists(atPath: path) {
                let (text, w) = try read(path)
                warnings += w
                let sections = Self.parseINI(text)
                let section = isConfig ? (sections["profile \(name)"] ?? (name == "default" ? sections["default"] : nil)) : sections[name]
                guard let values = section, values["aws_access_key_id"] != nil || values["aws_secret_access_key"] != nil else { continue }
                return (try credentials(values, origin: "\(path) [\(isConfig && name != "default" ? "profile " : "")\(name)]"), warnings)
            }
            throw fail("no access key for profile \"\(name)\" in \(files.map(\.0).joined(separator: " or ")) (role and SSO profiles are not supported yet)")
        }
    }

    /// A short, stable fingerprint of the reference and the key id it resolved to: it shows in
    /// state that the credential changed, without being the credential.
    public static func fingerprint(_ reference: CredentialRef, _ credentials: AWSCredentials) -> String {
        "sha256:" + SigV4.sha256Hex(Array("\(reference.description)\n\(credentials.accessKeyID)".utf8)).prefix(16)
    }

    private func fail(_ problem: String) -> CredentialError {
        CredentialError(cloud: cloud, reference: reference.description, problem: problem)
    }

    private func read(_ path: String) throws(CredentialError) -> (String, [String]) {
        var warnings: [String] = []
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw fail("credentials file \(path) does not exist") }
        guard !isDir.boolValue else { throw fail("credentials file \(path) is a directory") }
        if let attrs = try? FileManager.default.attributesOfItem(atPath: path), let mode = (attrs[.posixPermissions] as? NSNumber)?.intValue,
           mode & 0o077 != 0 {
            warnings.append("clouds.\(cloud).credentials: \(path) is \(String(mode & 0o777, radix: 8)), readable by group or others; restrict it: chmod 600 \(path)")
        }
        // Through ReferencedFile: a FIFO, a device or a huge file is a problem, not something to read.
        let bytes: [UInt8]
        do { bytes = try ReferencedFile.read(path, kind: .credentials) } catch {
            throw fail(error.reason == "permission denied" ? "credentials file \(path) is not readable" : "credentials file \(error.description)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("credentials file \(path) is not UTF-8 text") }
        return (text, warnings)
    }

    private func credentials(_ values: [String: String], origin: String) throws(CredentialError) -> AWSCredentials {
        let key = values["aws_access_key_id"] ?? "", secret = values["aws_secret_access_key"] ?? ""
        let missing = [("aws_access_key_id", key), ("aws_secret_access_key", secret)].filter { $0.1.isEmpty }.map(\.0)
        if !missing.isEmpty { throw fail("\(origin) has no \(missing.joined(separator: " or "))") }
        try checkShape(key: key, secret: secret, origin: origin)
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Malformed content caught before a request: an id must be 16–128 word characters, a secret
    /// must not contain whitespace. The message names the fields, never the values.
    private func checkShape(key: String, secret: String, origin: String) throws(CredentialError) {
        if key.count < 16 || key.count > 128 || !key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            throw fail("\(origin): the access key id is malformed (expected 16–128 letters and digits, like AKIA…)")
        }
        if secret.count < 16 || secret.contains(where: { $0.isWhitespace || !$0.isASCII }) {
            throw fail("\(origin): the secret access key is malformed (expected 16 or more printable ASCII characters)")
        }
    }

    /// `[section]` → key → value; keys before any section go under "". Comments start with # or ;.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        var current = ""
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                out[current, default: [:]] = out[current] ?? [:]
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let k = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            out[current, default: [:]][k] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}
