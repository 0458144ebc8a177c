@testable import FedAWS
import FedAWSTestSupport
import FedHTTP
import FedSpec
import Foundation
import Testing

/// STS GetCallerIdentity against a real moto_server, and the real credential failures of moto's
/// IAM auth mode: each error code, and what fedplane says about it.
@Suite(.serialized) struct AuthenticationTests {
    func client(_ e: Emulated, key: String, secret: String, endpoint: String? = nil) throws -> AWSClient {
        AWSClient(region: "us-east-1", credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret),
                  endpointOverride: try CloudEndpoint(endpoint ?? e.emulator.endpoint), retry: FedHTTP.RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.02))
    }

    @Test func callerIdentityWithAnyKeyWhenAuthIsOff() throws {
        let e = try Emulated()
        let id = try client(e, key: Emulated.key, secret: Emulated.secret).callerIdentity()
        #expect(id.account == "123456789012")
        #expect(id.arn.hasPrefix("arn:aws:"))
    }

    @Test func realCredentialFailuresAreToldApart() throws {
        let e = try Emulated()
        try e.emulator.reset()
        try e.emulator.enableAuth(afterRequests: 3)
        let iam = "Version=2010-05-08"
        _ = try e.emulator.awsCall(service: "iam", "Action=CreateUser&UserName=tester&\(iam)")
        let keyXML = try XMLNode.parse(try e.emulator.awsCall(service: "iam", "Action=CreateAccessKey&UserName=tester&\(iam)"))
        let key = try #require(keyXML.value("AccessKeyId")), secret = try #require(keyXML.value("SecretAccessKey"))
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances"],"Resource":"*"}]}"#
        _ = try e.emulator.awsCall(service: "iam", "Action=PutUserPolicy&UserName=tester&PolicyName=describe&PolicyDocument=\(AWSClient.formEncode(policy))&\(iam)")

        let good = try client(e, key: key, secret: secret).callerIdentity()
        #expect(good.arn == "arn:aws:iam::123456789012:user/tester")

        func failure(_ body: () throws -> Void) -> AWSAPIError? {
            do { try body(); return nil } catch { return error as? AWSAPIError }
        }
        let unknown = failure { _ = try client(e, key: "AKIAUNKNOWNKEY000001", secret: secret).callerIdentity() }
        #expect(unknown?.code == "InvalidClientTokenId" && unknown?.status == 403 && unknown?.retryable == false)
        #expect(unknown?.credentialMeaning?.hasPrefix("unknown access key") == true)
        #expect(unknown?.description.hasPrefix("sts GetCallerIdentity: HTTP 403 InvalidClientTokenId: ") == true, "\(String(describing: unknown))")

        let wrong = failure { _ = try client(e, key: key, secret: secret + "x").callerIdentity() }
        #expect(wrong?.code == "SignatureDoesNotMatch")
        #expect(wrong?.credentialMeaning == "wrong secret: the secret access key does not match the key id")
        #expect(wrong.map { !$0.description.contains(secret) } == true)

        let ec2Unknown = failure { _ = try EC2(client: client(e, key: "AKIAUNKNOWNKEY000001", secret: secret)).describeInstances(filters: []) }
        #expect(ec2Unknown?.code == "AuthFailure" && ec2Unknown?.status == 401)

        let denied = failure { _ = try EC2(client: client(e, key: key, secret: secret)).call("DescribeKeyPairs") }
        #expect(denied?.code == "AccessDenied", "\(String(describing: denied))")
        #expect(denied?.credentialMeaning == "no permission: the key is valid but its policy does not allow DescribeKeyPairs")
        #expect(try EC2(client: client(e, key: key, secret: secret)).describeInstances(filters: []).isEmpty)
    }

    /// No emulator on the port: the error says so and names the endpoint.
    @Test func unreachableEndpointIsNamed() throws {
        let port = try AWSEmulator.unusedPort()
        var settings = AWSProvider.Settings(cloud: "aws", credentials: .env(["K", "S"]), endpoint: "http://127.0.0.1:\(port)", region: "us-east-1",
                                            federation: "t", lineage: { nil }, keyDirectory: URL(fileURLWithPath: "/nonexistent"),
                                            specDirectory: URL(fileURLWithPath: "/"), environment: ["K": Emulated.key, "S": Emulated.secret])
        settings.retry = FedHTTP.RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.02)
        do {
            _ = try AWSProvider(settings).verify(address: "cloud.aws")
            Issue.record("verified against a closed port")
        } catch {
            #expect(error.address == "cloud.aws" && error.operation == "sts GetCallerIdentity")
            #expect(error.message.contains("endpoint http://127.0.0.1:\(port) unreachable"), "\(error.message)")
            #expect(error.message.hasSuffix("after 2 attempts"), "\(error.message)")
        }
    }

    /// HTTPS to a server that speaks plain HTTP: a TLS failure, named as such, not retried.
    @Test func tlsFailureIsToldApart() throws {
        let e = try Emulated()
        do {
            _ = try client(e, key: Emulated.key, secret: Emulated.secret, endpoint: "https://127.0.0.1:\(e.emulator.motoPort)").callerIdentity()
            Issue.record("TLS to a plain-HTTP server succeeded")
        } catch let error as AWSAPIError {
            #expect(error.kind == .tls && !error.retryable && error.attempts == 1)
            #expect(error.description.hasPrefix("sts GetCallerIdentity: TLS failure talking to https://127.0.0.1:\(e.emulator.motoPort)"), "\(error)")
        }
    }

    /// moto cannot expire a session token on demand; the proxy answers as AWS does.
    @Test func expiredSessionTokenIsToldApart() throws {
        let e = try Emulated()
        try e.emulator.inject(.status("GetCallerIdentity", 400, code: "ExpiredToken", times: 1))
        do {
            _ = try client(e, key: Emulated.key, secret: Emulated.secret, endpoint: e.emulator.proxyEndpoint).callerIdentity()
            Issue.record("an expired token verified")
        } catch let error as AWSAPIError {
            #expect(error.code == "ExpiredToken" && !error.retryable)
            #expect(error.credentialMeaning == "expired session token: get new temporary credentials")
        }
    }
}
