import FedAWSTestSupport
import Foundation
import Testing
import FedTestSupport

/// The case study's cloud part, end to end through the CLI against a real moto_server: auth
/// verify, plan, apply, refresh, drift, re-create, destroy; a crash between RunInstances and
/// recording it; real credential failures; and a canary secret that must appear nowhere.
@Suite(.serialized) struct AWSCycleTests {
    static let canary = "CANARYfedplane0000000000000000000000000042"
    static let key = "AKIAFEDPLANETEST0001"

    /// The case study with its credentials in a scratch HOME and its aws endpoint on the emulator.
    struct CaseStudy {
        let dir: TempDir
        let emulator: AWSEmulator
        let spec: URL
        var env: [String: String]
        var outputs: [String] = []

        init(key: String = AWSCycleTests.key, secret: String = AWSCycleTests.canary) throws {
            dir = try TempDir()
            emulator = try AWSEmulator()
            spec = try dir.write("covid.yaml", try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8))
            let fm = FileManager.default
            try fm.createDirectory(at: dir.url.appendingPathComponent("credentials"), withIntermediateDirectories: true)
            _ = try dir.write("credentials/gcp-sa.json", #"{"type": "service_account", "client_email": "fl@example.iam.gserviceaccount.com", "private_key": "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n"}"#)
            try fm.createDirectory(at: dir.url.appendingPathComponent("home/.aws"), withIntermediateDirectories: true)
            let creds = try dir.write("home/.aws/credentials", "[fl-platform]\naws_access_key_id = \(key)\naws_secret_access_key = \(secret)\n")
            try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: creds.path)
            env = ProcessInfo.processInfo.environment
            env["HOME"] = dir.url.appendingPathComponent("home").path
            for k in ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"] { env[k] = nil }
            env["AZURE_CLIENT_ID"] = "6f1d2c1e-8a4b-4c3d-9e2f-0a1b2c3d4e5f"
            env["AZURE_TENANT_ID"] = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
            env["AZURE_CLIENT_SECRET"] = "azure-secret-value"
            env["FEDPLANE_AWS_ENDPOINT"] = emulator.endpoint
            env["FEDPLANE_AWS_POLL_INTERVAL_S"] = "0.05"
        }

        @discardableResult
        mutating func run(_ args: [String], extra: [String: String] = [:]) throws -> CLI.Output {
            let command = args.first == "auth" ? 2 : 1
            let o = try CLI.run(Array(args.prefix(command)) + ["-f", spec.path] + args.dropFirst(command), in: dir.url, environment: env.merging(extra) { _, b in b },
                                killAfter: 300)
            outputs += [o.stdout, o.stderr]
            return o
        }

        /// Instances (pending or running), security groups and key pairs tagged with the federation, in us-east-2.
        func tagged() throws -> (instances: [String], groups: Int, keys: Int) {
            let filter = "Filter.1.Name=tag%3Afedplane%3Afederation&Filter.1.Value.1=covid19-cxr"
            let i = try emulator.awsCall(service: "ec2", region: "us-east-2", "Action=DescribeInstances&Version=2016-11-15&\(filter)&Filter.2.Name=instance-state-name&Filter.2.Value.1=pending&Filter.2.Value.2=running")
            let g = try emulator.awsCall(service: "ec2", region: "us-east-2", "Action=DescribeSecurityGroups&Version=2016-11-15&\(filter)")
            let k = try emulator.awsCall(service: "ec2", region: "us-east-2", "Action=DescribeKeyPairs&Version=2016-11-15&\(filter)")
            func all(_ text: String, _ tag: String) -> [String] {
                text.components(separatedBy: "<\(tag)>").dropFirst().compactMap { $0.components(separatedBy: "</\(tag)>").first }
            }
            return (Set(all(i, "instanceId")).sorted(), all(g, "groupId").count, all(k, "keyName").count)
        }
    }

    @Test func fullCycleAgainstTheEmulator() async throws { try await offPool { try Self().fullCycleAgainstTheEmulatorBody() } }
    func fullCycleAgainstTheEmulatorBody() throws {
        var c = try CaseStudy()
        // A key file others can read: one warning with the fix, however many calls load it.
        let creds = c.dir.url.appendingPathComponent("home/.aws/credentials").path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: creds)
        let wide = try c.run(["plan", "--target", "aggregator.main"])
        #expect(wide.status == 0, "\(wide.stderr)")
        #expect(wide.stderr.components(separatedBy: "warning: clouds.aws.credentials: \(creds) is 644, readable by group or others; restrict it: chmod 600 \(creds)").count == 2, "\(wide.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: creds)
        let verify = try c.run(["auth", "verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("aws (aws): verified — account 123456789012, arn:aws:sts::123456789012:user/moto [profile fl-platform, sha256:"), "\(verify.stdout)")
        #expect(verify.stdout.contains("gcp (gcp): shape-only — the credential is well formed; live verification is not supported yet for gcp"), "\(verify.stdout)")
        #expect(verify.stdout.contains("hospital-us-dc (local): not-needed"), "\(verify.stdout)")
        let json = try c.run(["auth", "verify", "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let aws = try #require((doc["clouds"] as? [[String: Any]])?.first { $0["cloud"] as? String == "aws" })
        #expect(aws["account"] as? String == "123456789012" && aws["status"] as? String == "verified")

        let unknownTarget = try c.run(["plan", "--target", "aggregator.nope"])
        #expect(unknownTarget.status == 1 && unknownTarget.stderr.contains("--target aggregator.nope: no such resource in the plan"), "\(unknownTarget.stderr)")
        let planJSON = try c.run(["plan", "--target", "aggregator.main", "--json"])
        #expect(planJSON.status == 0 && planJSON.stdout.contains("\"aggregator.main\""), "\(planJSON.stderr)")
        let planFile = c.dir.url.appendingPathComponent("cloud.fpl").path
        let plan = try c.run(["plan", "--target", "aggregator.main", "--out", planFile])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("+ cloud.aws") && plan.stdout.contains("+ aggregator.main") && !plan.stdout.contains("participant."), "\(plan.stdout)")
        let apply = try c.run(["apply", planFile])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 2 added"), "\(apply.stdout)")
        let first = try c.tagged()
        #expect(first.instances.count == 1 && first.groups == 1 && first.keys == 1)

        #expect(try c.run(["refresh"]).status == 0)
        let settled = try c.run(["plan", "--target", "aggregator.main", "--detailed-exitcode"])
        #expect(settled.status == 0, "\(settled.stdout)\(settled.stderr)")
        #expect(settled.stdout.contains("No changes."), "\(settled.stdout)")

        // The instance is terminated behind fedplane's back: plan shows the drift, apply re-creates.
        _ = try c.emulator.awsCall(service: "ec2", region: "us-east-2", "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=\(first.instances[0])")
        let drift = try c.run(["plan", "--target", "aggregator.main", "--detailed-exitcode"])
        #expect(drift.status == 2)
        #expect(drift.stdout.contains("aggregator.main") && drift.stdout.contains("deleted outside fedplane"), "\(drift.stdout)")
        #expect(try c.run(["apply", "--auto-approve", "--target", "aggregator.main"]).status == 0)
        let second = try c.tagged()
        #expect(second.instances.count == 1 && second.instances != first.instances)

        // The state records the identity and the fingerprint.
        let show = try c.run(["show", "--json"])
        #expect(show.stdout.contains("arn:aws:sts::123456789012:user/moto") && show.stdout.contains("credentialsFingerprint"), "\(show.stdout.prefix(2000))")

        let destroy = try c.run(["destroy", "--auto-approve"])
        #expect(destroy.status == 0, "\(destroy.stderr)")
        let gone = try c.tagged()
        #expect(gone.instances.isEmpty && gone.groups == 0 && gone.keys == 0, "\(gone)")

        // The canary secret is in no output, no file fedplane wrote (state, backups, plan, keys).
        for o in c.outputs { #expect(!o.contains(Self.canary)) }
        let files = FileManager.default.enumerator(at: c.dir.url, includingPropertiesForKeys: nil)
        var scanned = 0
        while let f = files?.nextObject() as? URL {
            guard f.lastPathComponent != "credentials", !f.hasDirectoryPath, let data = FileManager.default.contents(atPath: f.path) else { continue }
            scanned += 1
            #expect(data.range(of: Data(Self.canary.utf8)) == nil, "the canary is in \(f.path)")
        }
        #expect(scanned >= 3, "state, plan file and spec at least")
    }

    /// apply is killed after RunInstances answered and before the result was recorded: the next
    /// plan adopts the tagged instance, and no second one is made.
    @Test func killedBetweenRunInstancesAndRecordingAdopts() async throws { try await offPool { try Self().killedBetweenRunInstancesAndRecordingAdoptsBody() } }
    func killedBetweenRunInstancesAndRecordingAdoptsBody() throws {
        var c = try CaseStudy()
        let killed = try c.run(["apply", "--auto-approve", "--target", "aggregator.main"], extra: ["FEDPLANE_TEST_CRASH_AT": "2:after"])
        #expect(killed.status != 0)
        let orphan = try c.tagged().instances
        #expect(orphan.count == 1)
        let plan = try c.run(["plan", "--target", "aggregator.main"])
        #expect(plan.stdout.contains("an interrupted apply created it without recording it; adopt it"), "\(plan.stdout)")
        // The killed apply's lock is stale; released the documented way.
        let blocked = try c.run(["apply", "--auto-approve", "--target", "aggregator.main"])
        let lockID = try #require(blocked.stderr.components(separatedBy: "fedplane force-unlock ").last?.split(separator: "\n").first.map(String.init))
        #expect(try c.run(["force-unlock", lockID]).status == 0)
        let adopt = try c.run(["apply", "--auto-approve", "--target", "aggregator.main"])
        #expect(adopt.status == 0, "\(adopt.stdout)\(adopt.stderr)")
        #expect(try c.tagged().instances == orphan)
        let settled = try c.run(["plan", "--target", "aggregator.main", "--detailed-exitcode"])
        #expect(settled.status == 0, "\(settled.stdout)\(settled.stderr)")
    }

    /// moto's IAM auth mode gives the real failures; fedplane names each and stops plan before
    /// anything is created.
    @Test func credentialFailuresAreNamedByAuthVerifyAndStopPlan() async throws { try await offPool { try Self().credentialFailuresAreNamedByAuthVerifyAndStopPlanBody() } }
    func credentialFailuresAreNamedByAuthVerifyAndStopPlanBody() throws {
        var c = try CaseStudy()
        try c.emulator.enableAuth(afterRequests: 2)
        _ = try c.emulator.awsCall(service: "iam", "Action=CreateUser&UserName=tester&Version=2010-05-08")
        let created = try c.emulator.awsCall(service: "iam", "Action=CreateAccessKey&UserName=tester&Version=2010-05-08")
        let realKey = try #require(created.components(separatedBy: "<AccessKeyId>").dropFirst().first?.components(separatedBy: "<").first)

        // The spec's key is unknown to the emulator's IAM.
        let unknown = try c.run(["auth", "verify"])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains("aws (aws): FAILED — unknown access key: AWS does not know this key id"), "\(unknown.stdout)")
        #expect(unknown.stdout.contains("InvalidClientTokenId"))
        let plan = try c.run(["plan", "--target", "aggregator.main"])
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("clouds.aws: credential check failed: unknown access key"), "\(plan.stderr)")

        // The right key with the canary as its (wrong) secret.
        let creds = c.dir.url.appendingPathComponent("home/.aws/credentials")
        try "[fl-platform]\naws_access_key_id = \(realKey)\naws_secret_access_key = \(Self.canary)\n".write(to: creds, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: creds.path)
        let wrong = try c.run(["auth", "verify", "--json"])
        #expect(wrong.status == 1)
        #expect(wrong.stdout.contains("wrong secret: the secret access key does not match the key id") && wrong.stdout.contains("SignatureDoesNotMatch"), "\(wrong.stdout)")
        for o in c.outputs { #expect(!o.contains(Self.canary)) }
    }

    /// Through the fault proxy: throttled past the retry budget, apply stops with the cloud's
    /// code, message and request id, and the next apply finishes with exactly one instance; an
    /// answer dropped after RunInstances acted makes no second one either.
    @Test func throttlingAndADroppedAnswerThroughTheCLI() async throws { try await offPool { try Self().throttlingAndADroppedAnswerThroughTheCLIBody() } }
    func throttlingAndADroppedAnswerThroughTheCLIBody() throws {
        var c = try CaseStudy()
        c.env["FEDPLANE_AWS_ENDPOINT"] = c.emulator.proxyEndpoint
        try c.emulator.inject(.status("RunInstances", 503, code: "RequestLimitExceeded", times: 5, retryAfter: 0))
        let throttled = try c.run(["apply", "--auto-approve", "--target", "aggregator.main"])
        #expect(throttled.status == 1)
        #expect(throttled.stderr.contains("aggregator.main: aws ec2 RunInstances failed: ec2 RunInstances: HTTP 503 RequestLimitExceeded: injected by the test proxy (request id fault-RunInstances-5) after 5 attempts (retryable)"), "\(throttled.stderr)")
        #expect(try c.tagged().instances.isEmpty)
        let next = try c.run(["apply", "--auto-approve", "--target", "aggregator.main"])
        #expect(next.status == 0, "\(next.stderr)")
        let one = try c.tagged().instances
        #expect(one.count == 1)

        try c.emulator.inject(.dropAfterForwarding("RunInstances"))
        _ = try c.emulator.awsCall(service: "ec2", region: "us-east-2", "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=\(one[0])")
        let dropped = try c.run(["apply", "--auto-approve", "--target", "aggregator.main"])
        #expect(dropped.status == 0, "\(dropped.stderr)")
        let after = try c.tagged().instances
        #expect(after.count == 1 && after != one)
        #expect(try c.emulator.counts()["RunInstances"] == 7)
    }
}
