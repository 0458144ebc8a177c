import FedPKI
import Foundation
import Testing

@Suite struct PKITests {
    func temp() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-pki-\(UUID().uuidString)") }

    func mode(_ url: URL) throws -> Int { (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1 }

    @Test func issuesTheFederationsCertificatesWithPrivateKeys() throws {
        let root = temp()
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = FederationPKI(directory: root.appendingPathComponent("pki"), federation: "fed-a")
        let ca = try pki.createAuthority()
        let server = try pki.issue(.aggregator, addresses: ["127.0.0.1", "localhost", "::1"])
        let client = try pki.issue(.participant("hospital-a"))
        #expect(server.names == ["127.0.0.1", "localhost", "::1"])
        #expect(client.names == ["fedplane://fed-a/participant/hospital-a"])
        #expect(server.issuerFingerprint == ca.fingerprint && client.issuerFingerprint == ca.fingerprint)
        #expect(ca.fingerprint.hasPrefix("sha256:") && ca.fingerprint.count == 7 + 64)
        #expect(client.notAfter.timeIntervalSince(client.notBefore) > 364 * 86_400)
        #expect(try mode(pki.directory) == 0o700)
        for f in [pki.caKeyFile, pki.keyFile(.aggregator), pki.keyFile(.participant("hospital-a"))] { #expect(try mode(f) == 0o600) }
        // What is read back is what was issued; a new issue is a new certificate.
        #expect(try pki.summary(.participant("hospital-a")) == client)
        let again = try pki.issue(.participant("hospital-a"))
        #expect(again.fingerprint != client.fingerprint && again.serial != client.serial)
        // The identity comes from the certificate's URI, for this federation only.
        let der = try Data(contentsOf: pki.certificateFile(.participant("hospital-a")))
        #expect(String(decoding: der, as: UTF8.self).hasPrefix("-----BEGIN CERTIFICATE-----"))
        pki.remove(.participant("hospital-a"))
        #expect(try pki.summary(.participant("hospital-a")) == nil)
    }

    @Test func identitiesParseOnlyForTheirFederation() {
        #expect(FederationIdentity.parse(uri: "fedplane://fed-a/participant/hospital-a", federation: "fed-a") == .participant("hospital-a"))
        #expect(FederationIdentity.parse(uri: "fedplane://fed-a/coordinator", federation: "fed-a") == .coordinator)
        #expect(FederationIdentity.parse(uri: "fedplane://fed-b/coordinator", federation: "fed-a") == nil)
        #expect(FederationIdentity.parse(uri: "fedplane://fed-a/participant/", federation: "fed-a") == nil)
        #expect(FederationIdentity.parse(uri: "fedplane://fed-a/participant/a/b", federation: "fed-a") == nil)
        #expect(FederationIdentity.parse(uri: "fedplane://fed-a/aggregator", federation: "fed-a") == nil)
    }

    @Test func aLeafNeedsItsCA() throws {
        let root = temp()
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = FederationPKI(directory: root, federation: "fed-a")
        #expect(throws: PKIError.self) { try pki.issue(.coordinator) }
    }
}
