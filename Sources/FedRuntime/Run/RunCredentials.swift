import FedHTTP
import FedPKI
import Foundation

/// A run's credentials, from the federation's PKI: the aggregator's launch file (its server
/// certificate, the CA, and the client certificates it admits — the coordinator's and those of
/// the run's participants, pinned by fingerprint), the coordinator's client TLS and each
/// participant's. Only paths and fingerprints: keys stay in their 0600 files.
struct RunCredentials {
    let endpoint: String
    let launch: AggregatorLaunch
    let coordinator: ClientTLS
    let pki: FederationPKI

    init(pki: FederationPKI, config: RunConfig, run: Int, endpoint: String) throws {
        self.pki = pki
        self.endpoint = endpoint
        var clients: [String: String] = [:]
        let ids = [FederationIdentity.aggregator, .coordinator] + config.participants.map { FederationIdentity.participant($0) }
        for id in ids {
            let fingerprint = try Self.pin(pki, id, run: run)
            switch id {
            case .coordinator: clients[Caller.coordinator.label] = fingerprint
            case .participant(let name): clients[Caller.participant(name).label] = fingerprint
            case .aggregator, .regional: break
            }
        }
        launch = AggregatorLaunch(
            federation: config.federation, run: run, participants: config.participants,
            tls: ServerTLS(caFile: pki.caCertificateFile.path, certificateFile: pki.certificateFile(.aggregator).path,
                           keyFile: pki.keyFile(.aggregator).path),
            clients: clients)
        coordinator = Self.client(pki, .coordinator)
    }

    func participant(_ name: String) -> ClientTLS { Self.client(pki, .participant(name)) }

    /// The fingerprint an aggregator pins `id`'s certificate by; the run needs the certificate.
    static func pin(_ pki: FederationPKI, _ id: FederationIdentity, run: Int) throws -> String {
        guard let s = try pki.summary(id) else {
            throw RunCoordinator.Failure(description: "run.\(run) needs certificate.\(id.fileStem), which does not exist in \(pki.directory.path)")
        }
        return s.fingerprint
    }

    static func client(_ pki: FederationPKI, _ id: FederationIdentity) -> ClientTLS {
        ClientTLS(caFile: pki.caCertificateFile.path, certificateFile: pki.certificateFile(id).path, keyFile: pki.keyFile(id).path)
    }
}
