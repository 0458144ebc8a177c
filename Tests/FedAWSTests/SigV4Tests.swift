@testable import FedAWS
import Foundation
import Testing

/// The signer against AWS's published SigV4 test suite (Fixtures/sigv4, see SOURCE.md there):
/// the Authorization header must match byte for byte.
@Suite struct SigV4Tests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sigv4")
    static let scope = SigV4.Scope(region: "us-east-1", service: "service")
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? [])
            .filter { $0.hasSuffix(".req") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// A `.req` file: request line, `Name:value` headers, a blank line, the body.
    static func request(_ name: String) throws -> SigV4.Request {
        let text = try String(contentsOf: fixtures.appendingPathComponent("\(name).req"), encoding: .utf8)
        let parts = text.components(separatedBy: "\n\n")
        var lines = parts[0].components(separatedBy: "\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        let target = String(requestLine[1])
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(after: colon)...]))
        }
        let body = parts.count > 1 ? Array(parts[1...].joined(separator: "\n\n").utf8) : []
        return SigV4.Request(method: String(requestLine[0]), path: path, query: query, headers: headers, body: body)
    }

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func theSuiteIsThere() {
        #expect(Self.cases.count >= 10)
    }

    @Test(arguments: cases) func authorizationMatchesTheSuite(_ name: String) throws {
        let r = try Self.request(name)
        let got = SigV4.authorization(r, accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret, scope: Self.scope)
        #expect(got == (try Self.fixture("\(name).authz")))
    }

    @Test(arguments: ["post-x-www-form-urlencoded", "get-vanilla-query-order-key"])
    func canonicalRequestMatchesTheSuite(_ name: String) throws {
        let (text, _) = SigV4.canonicalRequest(try Self.request(name))
        #expect(text == (try Self.fixture("\(name).creq")))
    }

    @Test func stringToSignMatchesTheSuite() throws {
        let (creq, _) = SigV4.canonicalRequest(try Self.request("post-x-www-form-urlencoded"))
        #expect(SigV4.stringToSign(canonicalRequest: creq, amzDate: "20150830T123600Z", scope: Self.scope)
                == (try Self.fixture("post-x-www-form-urlencoded.sts")))
    }

    /// `sign` adds the date and token headers itself and signs them.
    @Test func signAddsDateTokenAndAuthorization() throws {
        var r = SigV4.Request(method: "POST", path: "/", headers: [("Host", "example.amazonaws.com")], body: [])
        let token = try String(Self.fixture("post-sts-header-before.req").split(separator: "\n").last!.dropFirst("X-Amz-Security-Token:".count))
        let date = ISO8601DateFormatter().date(from: "2015-08-30T12:36:00Z")!
        SigV4.sign(&r, credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret, sessionToken: token),
                   scope: Self.scope, date: date)
        #expect(r.headers.last?.value == (try Self.fixture("post-sts-header-before.authz")))
    }

    @Test func formEncodingIsPythonUrlencode() {
        #expect(AWSClient.formEncode("a b/c:d~e_f.g-h") == "a+b%2Fc%3Ad~e_f.g-h")
        #expect(AWSClient.formEncode("é") == "%C3%A9")
    }
}
