@testable import FedAWS
import FedSpec
import Foundation
import Testing

/// Credentials are loaded from their reference when used; every failure names the cloud and the
/// reference and never the secret.
@Suite struct CredentialLoaderTests {
    static let secret = "CANARYsecret0000000000000000000000000001"
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-cred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func load(_ ref: CredentialRef, env: [String: String] = [:]) throws(CredentialError) -> (AWSCredentials, [String]) {
        try AWSCredentialLoader(cloud: "aws", reference: ref, specDirectory: dir, environment: env).load()
    }

    func expectFailure(_ ref: CredentialRef, env: [String: String] = [:], _ fragment: String) {
        do {
            _ = try load(ref, env: env)
            Issue.record("loaded \(ref) but expected: \(fragment)")
        } catch {
            #expect(error.description.hasPrefix("clouds.aws.credentials (\(ref.description)): "), "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
            #expect(!error.description.contains(Self.secret))
        }
    }

    @Test func profileFromTheSharedCredentialsFile() throws {
        let f = try write("credentials", "[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = x\n[fl]\naws_access_key_id = AKIAFEDPLANETEST0001\naws_secret_access_key = \(Self.secret)\naws_session_token = tok\n")
        let (c, warnings) = try load(.profile("fl"), env: ["AWS_SHARED_CREDENTIALS_FILE": f, "HOME": "/nonexistent"])
        #expect(c == AWSCredentials(accessKeyID: "AKIAFEDPLANETEST0001", secretAccessKey: Self.secret, sessionToken: "tok"))
        #expect(warnings.isEmpty)
        #expect(!"\(c)".contains(Self.secret))
    }

    @Test func missingProfileNamesTheFilesSearched() throws {
        let f = try write("credentials", "[fl]\naws_access_key_id = AKIAFEDPLANETEST0001\naws_secret_access_key = \(Self.secret)\n")
        expectFailure(.profile("nope"), env: ["AWS_SHARED_CREDENTIALS_FILE": f, "HOME": "/nonexistent"], "no access key for profile \"nope\" in \(f)")
    }

    @Test func fileReferenceRelativeToTheSpec() throws {
        _ = try write("aws.credentials", "[default]\naws_access_key_id=AKIAFEDPLANETEST0001\naws_secret_access_key=\(Self.secret)\n")
        let (c, _) = try load(.file("aws.credentials"))
        #expect(c.accessKeyID == "AKIAFEDPLANETEST0001")
    }

    @Test func missingFile() {
        expectFailure(.file("absent.credentials"), "credentials file \(dir.appendingPathComponent("absent.credentials").path) does not exist")
    }

    @Test func keyFileReadableByOthersWarnsWithTheChmodFix() throws {
        let f = try write("wide.credentials", "aws_access_key_id=AKIAFEDPLANETEST0001\naws_secret_access_key=\(Self.secret)\n", mode: 0o644)
        let (_, warnings) = try load(.file(f))
        #expect(warnings == ["clouds.aws.credentials: \(f) is 644, readable by group or others; restrict it: chmod 600 \(f)"])
    }

    @Test func malformedContent() throws {
        _ = try write("nokey.credentials", "[default]\naws_secret_access_key=\(Self.secret)\n")
        expectFailure(.file("nokey.credentials"), "has no aws_access_key_id")
        _ = try write("badid.credentials", "[default]\naws_access_key_id=not a key\naws_secret_access_key=\(Self.secret)\n")
        expectFailure(.file("badid.credentials"), "the access key id is malformed")
        _ = try write("badsecret.credentials", "[default]\naws_access_key_id=AKIAFEDPLANETEST0001\naws_secret_access_key=short\n")
        expectFailure(.file("badsecret.credentials"), "the secret access key is malformed")
    }

    @Test func environmentVariables() throws {
        let ref = CredentialRef.env(["K", "S"])
        let (c, _) = try load(ref, env: ["K": "AKIAFEDPLANETEST0001", "S": Self.secret])
        #expect(c.secretAccessKey == Self.secret && c.sessionToken == nil)
        expectFailure(ref, env: ["K": "AKIAFEDPLANETEST0001"], "environment variable S is not set")
        expectFailure(.env(["K"]), env: ["K": "AKIAFEDPLANETEST0001"], "needs two variable names")
    }

    @Test func fingerprintChangesWithTheKeyButShowsNoSecret() {
        let a = AWSCredentialLoader.fingerprint(.profile("fl"), AWSCredentials(accessKeyID: "AKIAFEDPLANETEST0001", secretAccessKey: Self.secret))
        let b = AWSCredentialLoader.fingerprint(.profile("fl"), AWSCredentials(accessKeyID: "AKIAFEDPLANETEST0002", secretAccessKey: Self.secret))
        #expect(a.hasPrefix("sha256:") && a.count == 23 && a != b)
    }
}
