import FedPKI
import Foundation
import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOSSL

/// The aggregator's TLS: its server certificate and key, and the federation CA that every client
/// certificate must chain to (a client without one is refused in the handshake, as is one from
/// another CA or an expired one).
public struct ServerTLS: Sendable, Codable, Equatable {
    public var caFile: String
    public var certificateFile: String
    public var keyFile: String

    public init(caFile: String, certificateFile: String, keyFile: String) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    func channelConfiguration() throws -> TLSChannelConfiguration {
        var c = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)))
        c.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        // Clients are identified by their certificate's URI, not a host name; the chain, its
        // dates and signatures are verified, and a client without a certificate is refused.
        c.certificateVerification = .noHostnameVerification
        c.minimumTLSVersion = .tlsv12
        return TLSChannelConfiguration(tlsConfiguration: c)
    }
}

/// Who a verified client certificate is. The aggregator admits exactly the certificates it was
/// given for the run (pinned by fingerprint): the coordinator's and those of the run's
/// participants. A certificate of the federation CA that is not pinned — a participant removed
/// from the spec, a replaced certificate — is refused.
public struct CertificateIdentity: Sendable {
    public let federation: String
    /// Certificate fingerprint (`sha256:…`) → who it is.
    let pins: [String: Caller]

    public init(federation: String, pins: [String: Caller]) {
        self.federation = federation
        self.pins = pins
    }

    public init(launch: AggregatorLaunch) throws {
        var pins: [String: Caller] = [:]
        for (label, fingerprint) in launch.clients ?? [:] {
            guard let caller = Caller(label: label) else { throw PKIError("unknown client identity \(label) in the aggregator's file") }
            pins[fingerprint] = caller
        }
        self.init(federation: launch.federation, pins: pins)
    }

    public func identify(_ channel: any Channel) async throws -> Caller {
        guard let cert = try await channel.nioSSL_peerCertificate().get() else {
            throw HTTPError(.unauthorized, message: "a client certificate of the federation is required")
        }
        let der = try cert.toDERBytes()
        guard let id = FederationPKI.identity(ofDER: der, federation: federation) else {
            throw HTTPError(.forbidden, message: "the client certificate names no identity of federation \(federation)")
        }
        let claimed: Caller
        switch id {
        case .coordinator: claimed = .coordinator
        case .participant(let name): claimed = .participant(name)
        case .regional(let name): claimed = .regional(name)
        case .aggregator: throw HTTPError(.forbidden, message: "the aggregator's certificate is not a client identity")
        }
        guard pins[FederationPKI.fingerprint(der: der)] == claimed else {
            throw HTTPError(.forbidden, message: "the certificate of \(claimed) is not admitted to this run (revoked, replaced or not a participant)")
        }
        return claimed
    }
}

extension Caller {
    /// `coordinator` or `participant:<name>` (the aggregator file's labels).
    public var label: String {
        switch self {
        case .coordinator: return "coordinator"
        case .participant(let name): return "participant:\(name)"
        case .regional(let name): return "regional:\(name)"
        }
    }

    public init?(label: String) {
        if label == "coordinator" { self = .coordinator; return }
        if label.hasPrefix("regional:"), label.count > "regional:".count {
            self = .regional(String(label.dropFirst("regional:".count)))
            return
        }
        guard label.hasPrefix("participant:"), label.count > "participant:".count else { return nil }
        self = .participant(String(label.dropFirst("participant:".count)))
    }
}
