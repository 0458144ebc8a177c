import Foundation
import Testing
@testable import FedSpec

@Suite struct CredentialTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let keyId = "AKIAIOSFODNN7EXAMPLE"

    @Test func inlineSecretIsAnErrorThatNeverEchoesTheValue() {
        let m = MarkedText(Fixture.spec(clouds: """
        clouds:
          aws: { provider: aws, credentials: { 1️⃣secretAccessKey: \(Self.secret) } }
          gcp: { provider: gcp, credentials: { file: ./gcp.json } }
          site-a: { provider: local }
          site-b: { provider: local }

        """))
        let r = Fixture.load(m.text)
        #expect(r.spec == nil)
        let errors = r.diagnostics.errors
        #expect(errors.count == 1)
        #expect(errors.first?.mark == m["1️⃣"])
        #expect(errors.first?.path == "clouds.aws.credentials.secretAccessKey")
        #expect(errors.first?.message.hasPrefix("inline secret") == true)
        let everything = r.diagnostics.items.map(\.rendered).joined() + String(decoding: try! JSONEncoder().encode(r.diagnostics), as: UTF8.self)
        #expect(!everything.contains(Self.secret))
        #expect(!everything.contains("wJalr"))
    }

    @Test func accessKeyPastedAnywhereIsRefusedWithoutEcho() {
        let text = Fixture.spec(extra: "x-note: \"key \(Self.keyId) here\"\n")
        let r = Fixture.load(text)
        #expect(r.spec == nil)
        #expect(r.diagnostics.errors.map(\.path) == ["x-note"])
        #expect(!r.diagnostics.items.map(\.rendered).joined().contains(Self.keyId))
    }

    @Test func credentialsAsAStringAreNotEchoed() {
        let text = Fixture.spec(clouds: """
        clouds:
          aws: { provider: aws, credentials: \(Self.secret) }
          gcp: { provider: gcp, credentials: { env: [\(Self.secret.replacingOccurrences(of: "/", with: ""))] } }
          site-a: { provider: local }
          site-b: { provider: local }

        """)
        let r = Fixture.load(text)
        #expect(r.diagnostics.errors.map(\.message) == [
            "expected a mapping, got a string",
        ])
        // The env name is a valid identifier shape, so it is accepted as a *name*; but check no echo at all:
        #expect(!r.diagnostics.items.map(\.rendered).joined().contains("wJalr"))
    }

    @Test func envEntriesMustBeVariableNames() {
        let text = Fixture.spec(clouds: """
        clouds:
          aws: { provider: aws, credentials: { env: ["\(Self.secret)"] } }
          gcp: { provider: gcp, credentials: { file: ./gcp.json } }
          site-a: { provider: local }
          site-b: { provider: local }

        """)
        let r = Fixture.load(text)
        #expect(r.diagnostics.errors.map(\.path) == ["clouds.aws.credentials.env[0]"])
        #expect(!r.diagnostics.items.map(\.rendered).joined().contains("wJalr"))
    }

    @Test func missingCredentialsWarnInValidateAndFailWhenRequired() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fp-cred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = Fixture.spec()
        let env = ["HOME": dir.path]  // FP_TEST_* unset
        func load(_ check: CredentialCheck) -> SpecLoadResult {
            SpecLoader(credentialCheck: check, environment: env).load(bytes: Array(text.utf8), file: "spec.yaml", directory: dir)
        }
        let warn = load(.warn)
        #expect(warn.spec != nil)
        #expect(warn.diagnostics.warnings.map(\.rendered) == [
            "spec.yaml:6:38: warning: clouds.aws.credentials: environment variables FP_TEST_AWS_KEY, FP_TEST_AWS_SECRET are not set",
            "spec.yaml:7:38: warning: clouds.gcp.credentials: credentials file ./gcp.json does not exist",
        ])
        let strict = load(.require)
        #expect(strict.spec == nil)
        #expect(strict.diagnostics.errors.count == 2)

        try Data("{}".utf8).write(to: dir.appendingPathComponent("gcp.json"))
        let fixed = SpecLoader(credentialCheck: .require, environment: Fixture.environment)
            .load(bytes: Array(text.utf8), file: "spec.yaml", directory: dir)
        #expect(fixed.diagnostics.items.isEmpty, "\(fixed.diagnostics.items.map(\.rendered))")
    }

    @Test func awsProfilesAreFoundInSharedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fp-prof-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "[default]\naws_access_key_id = X\n[fl-platform]\n".write(to: dir.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try "[profile staging]\nregion = us-east-1\n".write(to: dir.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        let profiles = AWSProfiles(environment: ["HOME": dir.path])
        #expect(profiles.contains("fl-platform"))
        #expect(profiles.contains("staging"))
        #expect(!profiles.contains("prod"))
    }

    @Test func localCloudsTakeNoCredentialsAndPublicOnesNeedThem() {
        let r = Fixture.load(Fixture.spec(clouds: """
        clouds:
          aws: { provider: aws }
          gcp: { provider: gcp, credentials: { file: ./gcp.json } }
          site-a: { provider: local, credentials: { profile: x } }
          site-b: { provider: local }

        """))
        #expect(r.diagnostics.errors.map(\.path) == ["clouds.aws.credentials", "clouds.site-a.credentials"])
    }
}
