import FedCloud
import FedDigest
import FedHTTP
import FedSpec
import Foundation

/// The Cloud Authenticator: one identity check per cloud of the spec. AWS is checked live (STS
/// GetCallerIdentity); GCP and Azure only by the credential's shape, said plainly; ssh clouds
/// belong to the ssh provider (host keys), local clouds need nothing.
public struct CloudAuthenticator: Sendable {
    public enum Status: String, Sendable, Codable { case verified, failed, shapeOnly = "shape-only", delegated, notNeeded = "not-needed" }

    public struct Result: Sendable, Codable, Equatable {
        public var cloud: String
        public var provider: String
        public var status: Status
        public var reference: String?
        public var account: String?
        public var arn: String?
        public var fingerprint: String?
        public var endpoint: String?
        public var message: String
        public var warnings: [String] = []

        public var ok: Bool { status != .failed }

        public init(cloud: String, provider: String, status: Status, reference: String?, account: String? = nil, arn: String? = nil,
                    fingerprint: String? = nil, endpoint: String? = nil, message: String) {
            self.cloud = cloud
            self.provider = provider
            self.status = status
            self.reference = reference
            self.account = account
            self.arn = arn
            self.fingerprint = fingerprint
            self.endpoint = endpoint
            self.message = message
        }
    }

    public var specDirectory: URL
    public var environment: [String: String]
    public var retry = FedHTTP.RetryPolicy()

    public init(specDirectory: URL, environment: [String: String]) {
        self.specDirectory = specDirectory
        self.environment = environment
    }

    public func verify(_ spec: Spec) -> [Result] { spec.clouds.sorted { $0.name < $1.name }.map(verify) }

    public func verify(_ cloud: CloudSpec) -> Result {
        var r = Result(cloud: cloud.name, provider: cloud.provider.rawValue, status: .failed, reference: cloud.credentials?.description,
                       account: nil, arn: nil, fingerprint: nil, endpoint: nil, message: "")
        switch cloud.provider {
        case .local:
            r.status = .notNeeded
            r.message = "local cloud: no credentials to verify"
        case .ssh, .openstack:
            // An ssh cloud's check logs in to its hosts, which only the workspace knows (FedPlan's SSHCloudCheck).
            r.status = .delegated
            r.message = "checked by the \(cloud.provider.rawValue) provider (host keys) when it connects"
        case .gcp, .azure:
            do {
                try shapeCheck(cloud)
                r.status = .shapeOnly
                r.message = "the credential is well formed; live verification is not supported yet for \(cloud.provider.rawValue)"
            } catch { r.message = error.description }
        case .aws:
            var settings = AWSProvider.Settings(cloud: cloud, region: "us-east-1", federation: "", lineage: { nil },
                                                keyDirectory: specDirectory, specDirectory: specDirectory, environment: environment)
            settings.retry = retry
            let provider = AWSProvider(settings)
            do {
                let client = try provider.client(region: "us-east-1")
                r.endpoint = client.endpoint(for: "sts").description
                r.fingerprint = AWSCredentialLoader.fingerprint(cloud.credentials!, client.credentials)
                let id = try client.callerIdentity()
                r.status = .verified
                r.account = id.account
                r.arn = id.arn
                r.message = "account \(id.account), \(id.arn)"
            } catch let e as CredentialError {
                r.message = e.description
            } catch let e as AWSAPIError {
                r.message = e.credentialMeaning.map { "\($0): \(e.description)" } ?? e.description
            } catch {
                r.message = "\(error)"
            }
            if let (_, warnings) = try? provider.loadCredentials() { r.warnings = warnings }
        }
        return r
    }

    struct ShapeError: Error, CustomStringConvertible { var description: String }

    /// GCP: a service-account JSON key file. Azure: client id, secret and tenant present, ids
    /// that look like GUIDs. Values never appear in a message.
    func shapeCheck(_ cloud: CloudSpec) throws(ShapeError) {
        let ref = cloud.credentials
        func fail(_ s: String) -> ShapeError { ShapeError(description: "clouds.\(cloud.name).credentials (\(ref?.description ?? "none")): \(s)") }
        switch (cloud.provider, ref) {
        case (_, nil): throw fail("no credential reference")
        case (.gcp, .file(let f)?):
            let path = f.hasPrefix("/") ? f : specDirectory.appendingPathComponent(f).path
            guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path) does not exist or is not readable") }
            guard case .object(let o)? = try? JSONValue.parse(String(decoding: data, as: UTF8.self)) else { throw fail("\(path) is not a JSON object") }
            let missing = ["type", "client_email", "private_key"].filter { o[$0]?.stringValue?.isEmpty ?? true }
            if !missing.isEmpty { throw fail("\(path) has no \(missing.joined(separator: ", ")) (expected a service-account key file)") }
            if o["type"]?.stringValue != "service_account" { throw fail("\(path) is not a service-account key (type is not service_account)") }
        case (.azure, .env(let names)?):
            let missing = names.filter { (environment[$0] ?? "").isEmpty }
            if !missing.isEmpty { throw fail("environment variable(s) \(missing.joined(separator: ", ")) not set") }
            let guid = try! NSRegularExpression(pattern: "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
            for n in names where n.uppercased().contains("TENANT") || n.uppercased().hasSuffix("CLIENT_ID") {
                let v = environment[n]!
                if guid.firstMatch(in: v, range: NSRange(v.startIndex..., in: v)) == nil { throw fail("\(n) is not a GUID") }
            }
        default:
            break
        }
    }
}
