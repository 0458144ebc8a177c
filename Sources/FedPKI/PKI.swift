import Crypto
import Foundation
import SwiftASN1
import X509

/// Who a federation certificate belongs to. Its identity is a SAN URI,
/// `fedplane://<federation>/participant/<name>` or `fedplane://<federation>/coordinator`; the
/// aggregator's server certificate names the addresses it is reached at instead. A regional
/// aggregator (hierarchical topology) is both: a server to its participants (its addresses) and a
/// client of the global aggregator (`fedplane://<federation>/regional/<name>`), in one certificate.
public enum FederationIdentity: Sendable, Equatable, Hashable, CustomStringConvertible {
    case coordinator
    case participant(String)
    case aggregator
    case regional(String)

    public func uri(federation: String) -> String? {
        switch self {
        case .coordinator: return "fedplane://\(federation)/coordinator"
        case .participant(let name): return "fedplane://\(federation)/participant/\(name)"
        case .regional(let name): return "fedplane://\(federation)/regional/\(name)"
        case .aggregator: return nil
        }
    }

    /// The identity a SAN URI names for `federation`; nil for any other URI.
    public static func parse(uri: String, federation: String) -> FederationIdentity? {
        let prefix = "fedplane://\(federation)/"
        guard uri.hasPrefix(prefix) else { return nil }
        let rest = uri.dropFirst(prefix.count)
        if rest == "coordinator" { return .coordinator }
        if rest.hasPrefix("participant/") {
            let name = String(rest.dropFirst("participant/".count))
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return nil }
            return .participant(name)
        }
        if rest.hasPrefix("regional/") {
            let name = String(rest.dropFirst("regional/".count))
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return nil }
            return .regional(name)
        }
        return nil
    }

    /// The file stem of its certificate and key in the federation's PKI directory.
    public var fileStem: String {
        switch self {
        case .coordinator: return "coordinator"
        case .aggregator: return "aggregator"
        case .participant(let name): return "participant-\(name)"
        case .regional(let name): return "regional-\(name)"
        }
    }

    public var description: String {
        switch self {
        case .coordinator: return "the coordinator"
        case .aggregator: return "the aggregator"
        case .participant(let name): return "participant \(name)"
        case .regional(let name): return "regional aggregator \(name)"
        }
    }
}

public struct PKIError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What the state records of a certificate: never its key.
public struct CertificateSummary: Sendable, Equatable {
    /// `sha256:<hex>` of the certificate's DER.
    public var fingerprint: String
    public var serial: String
    public var notBefore: Date
    public var notAfter: Date
    /// The DNS names and IP addresses (server) or the URI (client) it names.
    public var names: [String]
    /// The fingerprint of the CA that signed it.
    public var issuerFingerprint: String?
}

/// A federation's certificate authority and the certificates it issues (ECDSA P-256, SHA-256).
/// Files live in one directory (0700): `ca.crt`, `ca.key`, and `<stem>.crt`/`<stem>.key` per
/// identity, keys 0600. Keys are never written anywhere else.
public struct FederationPKI: Sendable {
    public let directory: URL
    public let federation: String

    public init(directory: URL, federation: String) {
        self.directory = directory
        self.federation = federation
    }

    public static let caValidity: TimeInterval = 10 * 365 * 86_400
    public static let leafValidity: TimeInterval = 365 * 86_400

    public var caCertificateFile: URL { directory.appendingPathComponent("ca.crt") }
    public var caKeyFile: URL { directory.appendingPathComponent("ca.key") }
    public func certificateFile(_ id: FederationIdentity) -> URL { directory.appendingPathComponent(id.fileStem + ".crt") }
    public func keyFile(_ id: FederationIdentity) -> URL { directory.appendingPathComponent(id.fileStem + ".key") }

    // MARK: The CA

    /// Creates the CA, replacing any there was.
    @discardableResult
    public func createAuthority(now: Date = Date(), validity: TimeInterval = caValidity) throws -> CertificateSummary {
        try SecureFiles.makePrivateDirectory(directory)
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("fedplane")
            CommonName("fedplane federation \(federation) CA")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
        }
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: .init(key))
        try SecureFiles.writePrivate(Data(key.pemRepresentation.utf8), to: caKeyFile)
        try SecureFiles.writePrivate(Data(try cert.serializeAsPEM().pemString.utf8), to: caCertificateFile)
        return try Self.summary(cert, issuer: cert)
    }

    public func authority() throws -> (Certificate, P256.Signing.PrivateKey) {
        guard let certPEM = try? String(contentsOf: caCertificateFile, encoding: .utf8),
              let keyPEM = try? String(contentsOf: caKeyFile, encoding: .utf8) else {
            throw PKIError("the federation CA of \(federation) does not exist in \(directory.path)")
        }
        return (try Certificate(pemEncoded: certPEM), try P256.Signing.PrivateKey(pemRepresentation: keyPEM))
    }

    public func authoritySummary() throws -> CertificateSummary? {
        guard let pem = try? String(contentsOf: caCertificateFile, encoding: .utf8),
              FileManager.default.fileExists(atPath: caKeyFile.path) else { return nil }
        let cert = try Certificate(pemEncoded: pem)
        return try Self.summary(cert, issuer: cert)
    }

    // MARK: Leaf certificates

    /// Issues `identity`'s certificate and key, replacing any there were. The aggregator's server
    /// certificate names `addresses` (IP addresses or DNS names); the others name their URI.
    @discardableResult
    public func issue(_ identity: FederationIdentity, addresses: [String] = [], now: Date = Date(),
                      validity: TimeInterval = leafValidity, notBefore: Date? = nil) throws -> CertificateSummary {
        let (ca, caKey) = try authority()
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName {
            OrganizationName("fedplane")
            OrganizationalUnitName(federation)
            CommonName(identity.fileStem)
        }
        var names: [GeneralName] = []
        let usage: ExtendedKeyUsage
        switch identity {
        case .aggregator:
            for a in addresses {
                if let ip = Self.ipBytes(a) { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip)))) } else { names.append(.dnsName(a)) }
            }
            guard !names.isEmpty else { throw PKIError("the aggregator's certificate needs at least one address") }
            usage = try ExtendedKeyUsage([.serverAuth])
        case .regional:
            // Server toward its participants, client toward the global aggregator.
            for a in addresses {
                if let ip = Self.ipBytes(a) { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip)))) } else { names.append(.dnsName(a)) }
            }
            guard !names.isEmpty else { throw PKIError("a regional aggregator's certificate needs at least one address") }
            names.append(.uniformResourceIdentifier(identity.uri(federation: federation)!))
            usage = try ExtendedKeyUsage([.serverAuth, .clientAuth])
        case .coordinator, .participant:
            names.append(.uniformResourceIdentifier(identity.uri(federation: federation)!))
            usage = try ExtendedKeyUsage([.clientAuth])
        }
        let caSKI = try ca.extensions.subjectKeyIdentifier?.keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            usage
            SubjectAlternativeNames(names)
            SubjectKeyIdentifier(hash: publicKey)
            if let caSKI { AuthorityKeyIdentifier(keyIdentifier: caSKI) }
        }
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: notBefore ?? now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: ca.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: .init(caKey))
        try SecureFiles.makePrivateDirectory(directory)
        try SecureFiles.writePrivate(Data(key.pemRepresentation.utf8), to: keyFile(identity))
        try SecureFiles.writePrivate(Data(try cert.serializeAsPEM().pemString.utf8), to: certificateFile(identity))
        return try Self.summary(cert, issuer: ca)
    }

    /// The summary of `identity`'s certificate, nil when its certificate or key is missing.
    public func summary(_ identity: FederationIdentity) throws -> CertificateSummary? {
        guard let pem = try? String(contentsOf: certificateFile(identity), encoding: .utf8),
              FileManager.default.fileExists(atPath: keyFile(identity).path) else { return nil }
        let issuer = try? authority().0
        return try Self.summary(try Certificate(pemEncoded: pem), issuer: issuer)
    }

    public func remove(_ identity: FederationIdentity) {
        try? FileManager.default.removeItem(at: keyFile(identity))
        try? FileManager.default.removeItem(at: certificateFile(identity))
    }

    public func removeAll() {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Helpers

    public static func fingerprint(der: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }

    public static func fingerprint(_ cert: Certificate) throws -> String {
        var s = DER.Serializer()
        try s.serialize(cert)
        return fingerprint(der: s.serializedBytes)
    }

    static func summary(_ cert: Certificate, issuer: Certificate?) throws -> CertificateSummary {
        var names: [String] = []
        if let san = try cert.extensions.subjectAlternativeNames {
            for n in san {
                switch n {
                case .dnsName(let d): names.append(d)
                case .uniformResourceIdentifier(let u): names.append(u)
                case .ipAddress(let o): names.append(ipString(Array(o.bytes)))
                default: break
                }
            }
        }
        return CertificateSummary(fingerprint: try fingerprint(cert), serial: cert.serialNumber.description,
                                  notBefore: cert.notValidBefore, notAfter: cert.notValidAfter, names: names,
                                  issuerFingerprint: try issuer.map(fingerprint))
    }

    /// The identity a client certificate (DER) names for `federation`: its first fedplane SAN URI.
    public static func identity(ofDER der: [UInt8], federation: String) -> FederationIdentity? {
        guard let cert = try? Certificate(derEncoded: der),
              let san = try? cert.extensions.subjectAlternativeNames else { return nil }
        for n in san {
            if case .uniformResourceIdentifier(let u) = n, let id = FederationIdentity.parse(uri: u, federation: federation) { return id }
        }
        return nil
    }

    static func ipBytes(_ s: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func ipString(_ b: [UInt8]) -> String {
        if b.count == 4 { return b.map(String.init).joined(separator: ".") }
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var a = in6_addr()
        withUnsafeMutableBytes(of: &a) { $0.copyBytes(from: b.prefix(16)) }
        inet_ntop(AF_INET6, &a, &out, socklen_t(out.count))
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Private files and directories: created 0600/0700 from the start, whatever the umask.
public enum SecureFiles {
    public static func makePrivateDirectory(_ url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        chmod(url.path, 0o700)
    }

    /// Writes `data` to a new 0600 file next to `url`, then renames it into place.
    public static func writePrivate(_ data: Data, to url: URL) throws {
        let tmp = url.path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PKIError("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)
        let ok = data.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { return false }
                off += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok, rename(tmp, url.path) == 0 else {
            unlink(tmp)
            throw PKIError("cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}
