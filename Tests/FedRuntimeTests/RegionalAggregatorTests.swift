import FedHTTP
import FedPKI
@testable import FedRuntime
import FedTrain
import FedWeights
import Foundation
import Testing
import FedTestSupport

/// A regional aggregator (hierarchical topology, issue 16) over real TLS on 127.0.0.1: it admits
/// only its own participants, and its closed round reaches the global aggregator as one update
/// under its own certificate. hospital-a is served by regional aggregator 1, hospital-b by
/// another region, hospital-c directly by the global aggregator.
@Suite struct RegionalAggregatorTests {
    let federation = "quickstart"

    @Test func regionalIdentityRoundTripsThroughItsURIAndCertificate() throws {
        let id = FederationIdentity.regional("2")
        #expect(id.uri(federation: federation) == "fedplane://quickstart/regional/2")
        #expect(FederationIdentity.parse(uri: "fedplane://quickstart/regional/2", federation: federation) == id)
        #expect(FederationIdentity.parse(uri: "fedplane://quickstart/regional/", federation: federation) == nil)
        #expect(FederationIdentity.parse(uri: "fedplane://other/regional/2", federation: federation) == nil)
        #expect(Caller(label: Caller.regional("2").label) == .regional("2"))
        #expect(Caller.regional("2").contributorName == "regional:2")
        let fx = try MutualTLSTests.PKIFixture(federation: federation)
        let summary = try fx.pki.issue(id, addresses: ["127.0.0.1", "localhost"])
        // One certificate: the addresses its participants reach it at, and its client identity.
        #expect(Set(summary.names) == ["127.0.0.1", "localhost", "fedplane://quickstart/regional/2"])
        let der = try [UInt8](Data(contentsOf: fx.pki.certificateFile(id)).pemBody())
        #expect(FederationPKI.identity(ofDER: der, federation: federation) == id)
    }

    @Test func aRegionalAdmitsItsOwnParticipantsAndPostsItsRoundAsOneUpdate() async throws {
        let fx = try MutualTLSTests.PKIFixture(federation: federation)
        try fx.pki.issue(.regional("1"), addresses: ["127.0.0.1", "localhost"])
        let pin = { (id: FederationIdentity) in try fx.pki.summary(id)!.fingerprint }
        let coordinator: Caller = .coordinator
        // The global aggregator: hospital-c directly, regional aggregator 1 by its certificate.
        let globalState = AggregatorState(participants: ["hospital-c", "regional:1"])
        let globalID = CertificateIdentity(federation: federation, pins: [
            try pin(.coordinator): coordinator, try pin(.participant("hospital-c")): .participant("hospital-c"),
            try pin(.regional("1")): .regional("1"),
        ])
        try await withAggregator(state: globalState, identify: { _, c in try await globalID.identify(c.channel) }, tls: fx.serverTLS) { globalPort in
            let globalBase = "https://127.0.0.1:\(globalPort)"
            let regionalState = AggregatorState(participants: ["hospital-a"])
            let regionalID = CertificateIdentity(federation: federation, pins: [
                try pin(.coordinator): coordinator, try pin(.participant("hospital-a")): .participant("hospital-a"),
            ])
            let regionalTLS = ServerTLS(caFile: fx.pki.caCertificateFile.path, certificateFile: fx.pki.certificateFile(.regional("1")).path,
                                        keyFile: fx.pki.keyFile(.regional("1")).path)
            let parent = ParentLink(endpoint: globalBase, name: "1", tls: fx.client(.regional("1")))
            let server = try await AggregatorService.start(state: regionalState, identify: { _, c in try await regionalID.identify(c.channel) },
                                                           tls: regionalTLS, parent: parent)
            defer { Task { await server.stop() } }
            let regionalBase = "https://127.0.0.1:\(server.port)"
            let tests = MutualTLSTests()
            for base in [globalBase, regionalBase] {
                let c = AggregatorClient(base: base, tls: fx.client(.coordinator), timeoutSeconds: 90)
                try await offPool { try c.open(round: 1, global: Material.global) }
            }

            // Another region's participant, and a participant at the wrong aggregator: refused.
            await #expect { try await tests.submit(regionalBase, fx.client(.participant("hospital-b")), as: "hospital-b") } throws: { tests.status($0) == 403 }
            await #expect { try await tests.submit(globalBase, fx.client(.participant("hospital-a")), as: "hospital-a") } throws: { tests.status($0) == 403 }
            // Only the regional aggregator's own certificate posts as it (not the coordinator's,
            // not a participant's).
            await #expect { try await tests.submit(globalBase, fx.client(.coordinator), as: "regional:1") } throws: { tests.status($0) == 403 }
            await #expect { try await tests.submit(globalBase, fx.client(.participant("hospital-c")), as: "regional:1") } throws: { tests.status($0) == 403 }

            try await tests.submit(regionalBase, fx.client(.participant("hospital-a")), as: "hospital-a")
            try await tests.submit(globalBase, fx.client(.participant("hospital-c")), as: "hospital-c")
            #expect(await globalState.received == ["hospital-c"])
            // Closing the regional round posts it up: one contribution, as the regional aggregator.
            let regionalResult = try await offPool {
                try AggregatorClient(base: regionalBase, tls: fx.client(.coordinator), timeoutSeconds: 90).close(round: 1, minParticipants: 1)
            }
            #expect(await globalState.received == ["hospital-c", "regional:1"])
            // Closing it again (an answer lost on the way) finds the first post standing.
            _ = try await offPool { try AggregatorClient(base: regionalBase, tls: fx.client(.coordinator), timeoutSeconds: 90).close(round: 1, minParticipants: 1) }
            let globalResult = try await offPool {
                try AggregatorClient(base: globalBase, tls: fx.client(.coordinator), timeoutSeconds: 90).close(round: 1, minParticipants: 1)
            }
            let a = try Material.honest("hospital-a"), c = try Material.honest("hospital-c")
            #expect(regionalResult.trainSamples == a.trainSamples)
            #expect(globalResult.trainSamples == a.trainSamples + c.trainSamples)
            // The two-level result is flat FedAvg of a and c.
            let flat = try FedAvg.average([(weights: a.weights, samples: a.trainSamples), (weights: c.weights, samples: c.trainSamples)])
            let got = try SafeTensors.decode(try await globalState.result(round: 1))
            var worst: Float = 0
            for (name, t) in flat.tensors { for (x, y) in zip(t.values, got[name]!.values) { worst = max(worst, abs(x - y)) } }
            #expect(worst < 1e-6, "max abs diff \(worst)")
            #expect(globalResult.evaluated == (try Evaluation.combined([a.evaluation, c.evaluation])))
        }
    }
}

private extension Data {
    /// The DER inside a PEM file.
    func pemBody() throws -> Data {
        let text = String(decoding: self, as: UTF8.self)
        let b64 = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Data(base64Encoded: b64)!
    }
}
