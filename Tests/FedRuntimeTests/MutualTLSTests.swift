import FedDigest
import FedHTTP
import FedPKI
@testable import FedRuntime
import FedTrain
import FedWeights
import Foundation
import Testing
import FedTestSupport

/// The aggregator over real TLS on 127.0.0.1 with the federation's real certificates: who may
/// connect, and who may do what, follows from the client certificate alone.
@Suite struct MutualTLSTests {
    let federation = "quickstart"

    /// A federation PKI in a temporary directory: the CA, the aggregator's server certificate for
    /// 127.0.0.1, the coordinator's and hospital-a/b/c's client certificates.
    final class PKIFixture: Sendable {
        let root: URL
        let pki: FederationPKI

        init(federation: String) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-mtls-\(UUID().uuidString)")
            pki = FederationPKI(directory: root.appendingPathComponent("pki"), federation: federation)
            try pki.createAuthority()
            try pki.issue(.aggregator, addresses: ["127.0.0.1", "localhost"])
            try pki.issue(.coordinator)
            for p in Material.participants { try pki.issue(.participant(p)) }
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        func client(_ id: FederationIdentity) -> ClientTLS {
            ClientTLS(caFile: pki.caCertificateFile.path, certificateFile: pki.certificateFile(id).path, keyFile: pki.keyFile(id).path)
        }

        var serverTLS: ServerTLS {
            ServerTLS(caFile: pki.caCertificateFile.path, certificateFile: pki.certificateFile(.aggregator).path,
                      keyFile: pki.keyFile(.aggregator).path)
        }

        /// The pins of the run: the coordinator and `participants`, at their current certificates.
        func identity(participants: [String]) throws -> CertificateIdentity {
            var pins: [String: Caller] = [try pki.summary(.coordinator)!.fingerprint: .coordinator]
            for p in participants { pins[try pki.summary(.participant(p))!.fingerprint] = .participant(p) }
            return CertificateIdentity(federation: pki.federation, pins: pins)
        }

        /// Saves `id`'s current certificate and key elsewhere (to present them later).
        func keep(_ id: FederationIdentity, as name: String) throws -> ClientTLS {
            let cert = root.appendingPathComponent("\(name).crt"), key = root.appendingPathComponent("\(name).key")
            try FileManager.default.copyItem(at: pki.certificateFile(id), to: cert)
            try FileManager.default.copyItem(at: pki.keyFile(id), to: key)
            return ClientTLS(caFile: pki.caCertificateFile.path, certificateFile: cert.path, keyFile: key.path)
        }
    }

    // Clients wait up to 90 s: the in-process aggregator answers on Swift's cooperative pool,
    // which other suites' blocking tests can hold for a while on 2 shared cores (no timing is tested).
    func serve<T>(_ fx: PKIFixture, participants: [String] = Material.participants, identity: CertificateIdentity? = nil,
                  _ body: (String, AggregatorState) async throws -> T) async throws -> T {
        let state = AggregatorState(participants: participants)
        let id = try identity ?? fx.identity(participants: participants)
        return try await withAggregator(state: state, identify: { _, context in try await id.identify(context.channel) },
                                        tls: fx.serverTLS) { port in
            try await body("https://127.0.0.1:\(port)", state)
        }
    }

    /// Submits hospital-x's honest update with `tls`, posting as `participant`.
    func submit(_ base: String, _ tls: ClientTLS, as participant: String) async throws {
        let u = try Material.honest(participant)
        try await offPool {
            try AggregatorClient(base: base, tls: tls, timeoutSeconds: 90)
                .submit(round: 1, participant: participant, update: try SafeTensors.encode(u.weights), trainSamples: u.trainSamples, evaluation: u.evaluation)
        }
    }

    func status(_ error: any Error) -> Int? { (error as? AggregatorClient.Refused)?.status }

    @Test func theValidPathWorksAndRolesFollowTheCertificate() async throws {
        let fx = try PKIFixture(federation: federation)
        try await serve(fx) { base, state in
            let coordinator = AggregatorClient(base: base, tls: fx.client(.coordinator), timeoutSeconds: 90)
            try await offPool { try coordinator.open(round: 1, global: Material.global) }
            // A participant reads the global model and posts its own update.
            let a = AggregatorClient(base: base, tls: fx.client(.participant("hospital-a")), timeoutSeconds: 90)
            #expect(try await offPool { try a.global(round: 1) } == Material.global)
            try await submit(base, fx.client(.participant("hospital-a")), as: "hospital-a")
            try await submit(base, fx.client(.participant("hospital-b")), as: "hospital-b")

            // A's certificate posting as B, or calling the coordinator's routes: refused.
            await #expect { try await submit(base, fx.client(.participant("hospital-a")), as: "hospital-c") } throws: { status($0) == 403 }
            await #expect { try await offPool { try a.close(round: 1, minParticipants: 1) } } throws: { status($0) == 403 }
            await #expect { try await offPool { try a.open(round: 2, global: Material.global) } } throws: { status($0) == 403 }
            await #expect { try await offPool { try a.result(round: 1) } } throws: { status($0) == 403 }
            // The coordinator's certificate cannot post an update.
            await #expect { try await submit(base, fx.client(.coordinator), as: "hospital-c") } throws: { status($0) == 403 }
            #expect(await state.received == ["hospital-a", "hospital-b"])

            let result = try await offPool { try coordinator.close(round: 1, minParticipants: 2) }
            #expect(result.participants == ["hospital-a", "hospital-b"])
            let made = try await offPool { try coordinator.result(round: 1) }
            #expect(result.resultSHA256 == SHA256.hex(made))
            // Only the coordinator opens the next round from that result; a participant may not.
            await #expect { try await offPool { try a.open(round: 2, fromResultSHA256: SHA256.hex(made)) } } throws: { status($0) == 403 }
            #expect(try await offPool { try coordinator.open(round: 2, fromResultSHA256: SHA256.hex(made)) })
            #expect(try await offPool { try a.global(round: 2) } == made)
            // Not held (round 2's result does not exist): false, so the coordinator sends the model.
            #expect(try await offPool { try coordinator.open(round: 3, fromResultSHA256: SHA256.hex(made)) } == false)
        }
    }

    @Test func clientsWithoutAFederationCertificateAreRefusedInTheHandshake() async throws {
        let fx = try PKIFixture(federation: federation)
        // Another federation's CA, issuing a certificate that names hospital-a.
        let other = FederationPKI(directory: fx.root.appendingPathComponent("other"), federation: federation)
        try other.createAuthority()
        try other.issue(.participant("hospital-a"))
        let foreign = ClientTLS(caFile: fx.pki.caCertificateFile.path, certificateFile: other.certificateFile(.participant("hospital-a")).path,
                                keyFile: other.keyFile(.participant("hospital-a")).path)
        // The federation's own CA, but a certificate that expired yesterday.
        let expiredPKI = FederationPKI(directory: fx.root.appendingPathComponent("expired"), federation: federation)
        try FileManager.default.createDirectory(at: expiredPKI.directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fx.pki.caCertificateFile, to: expiredPKI.caCertificateFile)
        try FileManager.default.copyItem(at: fx.pki.caKeyFile, to: expiredPKI.caKeyFile)
        try expiredPKI.issue(.participant("hospital-a"), now: Date().addingTimeInterval(-10 * 86_400), validity: 9 * 86_400)
        #expect(try expiredPKI.summary(.participant("hospital-a"))!.notAfter < Date())
        let expired = ClientTLS(caFile: fx.pki.caCertificateFile.path, certificateFile: expiredPKI.certificateFile(.participant("hospital-a")).path,
                                keyFile: expiredPKI.keyFile(.participant("hospital-a")).path)
        let none = ClientTLS(caFile: fx.pki.caCertificateFile.path, certificateFile: nil, keyFile: nil)

        try await serve(fx, identity: try fx.identity(participants: Material.participants + ["hospital-a"])) { base, state in
            let coordinator = AggregatorClient(base: base, tls: fx.client(.coordinator), timeoutSeconds: 90)
            try await offPool { try coordinator.open(round: 1, global: Material.global) }
            for (what, tls) in [("no client certificate", none), ("another CA", foreign), ("an expired certificate", expired)] {
                await #expect("\(what)") {
                    try await offPool { try AggregatorClient(base: base, tls: tls, timeoutSeconds: 90).global(round: 1) }
                } throws: { $0 is HTTPClientError }
            }
            // Plain HTTP to the TLS port gets nowhere either.
            await #expect { try await offPool { try raw("GET", base.replacingOccurrences(of: "https", with: "http") + "/v1/rounds/1/global") } } throws: { _ in true }
            #expect(await state.received.isEmpty)
            // The aggregator is verified against the federation CA only: a coordinator that
            // trusts another CA refuses it.
            let wrongTrust = ClientTLS(caFile: other.caCertificateFile.path, certificateFile: fx.pki.certificateFile(.coordinator).path,
                                       keyFile: fx.pki.keyFile(.coordinator).path)
            await #expect { try await offPool { try AggregatorClient(base: base, tls: wrongTrust, timeoutSeconds: 90).global(round: 1) } } throws: { $0 is HTTPClientError }
        }
    }

    @Test func aRevokedOrReplacedCertificateNoLongerGetsIn() async throws {
        let fx = try PKIFixture(federation: federation)
        // hospital-c is removed from the spec: the run's participants and pins are a and b only.
        // hospital-b's certificate was replaced: its old one is kept by someone.
        let oldB = try fx.keep(.participant("hospital-b"), as: "old-b")
        try fx.pki.issue(.participant("hospital-b"))
        try await serve(fx, participants: ["hospital-a", "hospital-b"]) { base, state in
            let coordinator = AggregatorClient(base: base, tls: fx.client(.coordinator), timeoutSeconds: 90)
            try await offPool { try coordinator.open(round: 1, global: Material.global) }
            await #expect { try await submit(base, fx.client(.participant("hospital-c")), as: "hospital-c") } throws: { status($0) == 403 }
            await #expect { try await offPool { try AggregatorClient(base: base, tls: fx.client(.participant("hospital-c")), timeoutSeconds: 90).global(round: 1) } } throws: { status($0) == 403 }
            await #expect { try await submit(base, oldB, as: "hospital-b") } throws: { status($0) == 403 }
            try await submit(base, fx.client(.participant("hospital-b")), as: "hospital-b")
            #expect(await state.received == ["hospital-b"])
        }
    }

    @Test func everyPoisoningCaseIsRefusedOverTLSWhileTheRoundCompletes() async throws {
        let fx = try PKIFixture(federation: federation)
        try await serve(fx) { base, state in
            let coordinator = AggregatorClient(base: base, tls: fx.client(.coordinator), timeoutSeconds: 90)
            try await offPool { try coordinator.open(round: 1, global: Material.global) }
            let c = fx.client(.participant("hospital-c"))
            let u = try Material.honest("hospital-c")
            func post(_ weights: ModelWeights, samples: String = "100", length: [UInt8]? = nil) async throws -> HTTPResponse {
                let body = try length ?? SafeTensors.encode(weights)
                return try await offPool {
                    try raw("POST", base + "/v1/rounds/1/updates", headers: [
                        "Fedplane-Train-Samples": samples, "Fedplane-Evaluation": evaluationHeader(u.evaluation),
                    ], body: body, tls: c)
                }
            }
            var nan = u.weights; nan.tensors[0].tensor.values[0] = .nan
            var inf = u.weights; inf.tensors[0].tensor.values[0] = .infinity
            var names = u.weights; names.tensors[0].name = "other"
            var shapes = u.weights; shapes.tensors[0].tensor = Tensor(shape: [1], values: [0])
            #expect(try await post(nan).status == 422)
            #expect(try await post(inf).status == 422)
            #expect(try await post(names).status == 422)
            #expect(try await post(shapes).status == 422)
            #expect(try await post(u.weights, samples: "\(Int.max)").status == 400)
            #expect(try await post(u.weights, length: [UInt8](repeating: 7, count: 8 << 20)).status == 413)
            try await submit(base, fx.client(.participant("hospital-a")), as: "hospital-a")
            try await submit(base, fx.client(.participant("hospital-b")), as: "hospital-b")
            await #expect { try await submit(base, fx.client(.participant("hospital-a")), as: "hospital-a") } throws: { status($0) == 409 }
            let result = try await offPool { try coordinator.close(round: 1, minParticipants: 2) }
            #expect(result.participants == ["hospital-a", "hospital-b"])
            await #expect { try await submit(base, c, as: "hospital-c") } throws: { status($0) == 409 }
            #expect(ModelCheck.firstNonFinite(try SafeTensors.decode(try await offPool { try coordinator.result(round: 1) })) == nil)
        }
    }
}
