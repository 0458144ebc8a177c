import FedAWSTestSupport
import Foundation
import Testing

/// What a new user meets in the first hour: help text, `init`, the case study without every
/// cloud's credentials, diagnostics that cannot drive the terminal, and no raw Foundation error.
@Suite struct FirstHourTests {
    static let quickstart = try! String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
    static let caseStudy = try! String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8)

    // MARK: help

    @Test(arguments: [["plan"], ["show"], ["models", "list"], ["models", "best"], ["models", "pull"], ["models", "plot"],
                      ["state", "list"], ["state", "show"], ["optimize"], ["validate"]])
    func readOnlyCommandsDoNotOfferALockTimeout(_ command: [String]) throws {
        let r = try CLI.run(command + ["--help"])
        #expect(r.status == 0)
        #expect(!r.stdout.contains("--lock-timeout"), "\(command): \(r.stdout)")
    }

    @Test(arguments: [["apply"], ["destroy"], ["refresh"], ["state", "rm"]])
    func writersStateTheLockTimeoutDefaultOnce(_ command: [String]) throws {
        let r = try CLI.run(command + ["--help"])
        #expect(r.status == 0)
        let entry = try #require(r.stdout.range(of: "--lock-timeout <duration>\n")).upperBound
        let text = r.stdout[entry...].prefix { $0 != "-" }
        #expect(text.components(separatedBy: "default").count == 2, "\(command): \(text)")
        #expect(text.contains("fail at once"))
    }

    @Test func validateShowsItsDefaultSpec() throws {
        let r = try CLI.run(["validate", "--help"])
        #expect(r.stdout.contains("default: fedplane.yaml"), "\(r.stdout)")
    }

    @Test func shellCompletionScriptIsOffered() throws {
        let root = try CLI.run(["--help"])
        #expect(root.stdout.contains("--generate-completion-script bash"))
        #expect(root.stdout.contains("init"))
        let bash = try CLI.run(["--generate-completion-script", "bash"])
        #expect(bash.status == 0 && bash.stdout.contains("_fedplane"), "\(bash.stderr)")
    }

    // MARK: init

    @Test func initWritesAStarterSpecThatValidatesAndNeverOverwrites() throws {
        let dir = try TempDir()
        let r = try CLI.run(["init"], in: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        let spec = dir.url.appendingPathComponent("fedplane.yaml")
        let text = try String(contentsOf: spec, encoding: .utf8)
        let first = try #require(text.split(separator: "\n").first)
        #expect(first.hasPrefix("# yaml-language-server: $schema="))
        // The schema reference resolves from the spec's directory to fedplane's schema.
        // (Resolved against the directory itself: `relativeTo:` a URL without a trailing slash
        // would resolve against its parent.)
        let schema = dir.url.appendingPathComponent(String(first.dropFirst("# yaml-language-server: $schema=".count))).standardizedFileURL
        #expect(FileManager.default.fileExists(atPath: schema.path), "\(schema.path)")
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("#") }.count > 3, "commented")
        let v = try CLI.run(["validate"], in: dir.url)
        #expect(v.status == 0 && v.stdout.contains("valid — federation my-federation"), "\(v.stderr)")
        // The JSON Schema editors use accepts it too (python3's jsonschema, as SchemaTests uses).
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import json,yaml,jsonschema,sys; jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(yaml.safe_load(open(sys.argv[2])))",
                       schema.path, spec.path]
        let out = Pipe()
        p.standardError = out
        try p.run()
        let schemaErrors = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(schemaErrors)")

        try Data("mine\n".utf8).write(to: spec)
        let again = try CLI.run(["init"], in: dir.url)
        #expect(again.status == 1)
        #expect(again.stderr.contains("fedplane.yaml already exists; fedplane init never overwrites a file"))
        #expect(try String(contentsOf: spec, encoding: .utf8) == "mine\n")

        let named = try CLI.run(["init", "-f", "two.yaml", "--name", "two"], in: dir.url)
        #expect(named.status == 0)
        #expect(named.stdout.contains("fedplane validate -f two.yaml"), "\(named.stdout)")
        #expect(try CLI.run(["validate", "-f", "two.yaml"], in: dir.url).stdout.contains("federation two"))
        #expect(try CLI.run(["init", "--name", "Bad_Name", "-f", "x.yaml"], in: dir.url).status == 64)
    }

    // MARK: hints

    @Test func hintsRepeatTheSpecTheUserGave() throws {
        let dir = try TempDir()
        let spec = try dir.write("my spec.yaml", Self.quickstart)
        let quoted = "'\(spec.path)'"
        let list = try CLI.run(["models", "list", "-f", spec.path], in: dir.url)
        #expect(list.status == 1)
        #expect(list.stderr == "error: no state at \(dir.url.path)/.fedplane/quickstart.db: nothing was applied yet with this spec; `fedplane apply -f \(quoted)` creates it (or name another state with --state)\n", "\(list.stderr)")
        let plan = try CLI.run(["plan", "-f", spec.path, "--out", "saved.plan"], in: dir.url)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("Apply exactly this plan with: fedplane apply saved.plan -f \(quoted)\n"), "\(plan.stdout)")
        // The default spec is not repeated: the hint stays short.
        _ = try dir.write("fedplane.yaml", Self.quickstart)
        let plain = try CLI.run(["show"], in: dir.url)
        #expect(plain.stderr.contains("`fedplane apply` creates it"), "\(plain.stderr)")
    }

    // MARK: credentials for the clouds the plan touches

    func planCaseStudy(_ dir: TempDir, weights: String? = nil, env extra: [String: String]) throws -> CLI.Output {
        var text = Self.caseStudy
        if let weights { text = text.replacingOccurrences(of: "weights: { cost: 0.9, latency: 0.1 }", with: "weights: \(weights)") }
        let spec = try dir.write("covid.yaml", text)
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = dir.url.path
        for k in ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"] { env[k] = nil }
        env.merge(extra) { _, b in b }
        return try CLI.run(["plan", "-f", spec.path], in: dir.url, environment: env)
    }

    @Test func theCaseStudyPlansWithCredentialsForTheChosenCloudOnly() throws {
        let dir = try TempDir()
        let creds = try dir.write("aws-credentials", "[fl-platform]\naws_access_key_id = AKIAFEDPLANETEST0001\naws_secret_access_key = fedplanetestsecret0000000000000000000001\n")
        // Cost first: the aggregator goes to aws (whose credential plan checks with STS, here
        // against the emulator); gcp and azure are only warned about.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: creds.path)
        let emulator = try AWSEmulator()
        let r = try planCaseStudy(dir, env: ["AWS_SHARED_CREDENTIALS_FILE": creds.path, "FEDPLANE_AWS_ENDPOINT": emulator.endpoint])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Aggregator placement: aws /"), "\(r.stdout.prefix(300))")
        #expect(r.stderr.contains("warning: clouds.gcp.credentials: credentials file ./credentials/gcp-sa.json does not exist; the plan does not use gcp now"), "\(r.stderr)")
        #expect(r.stderr.contains("warning: clouds.azure.credentials: environment variables AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID are not set; the plan does not use azure now"), "\(r.stderr)")
        #expect(!r.stderr.contains("warning: clouds.aws.credentials"))

        // Without the chosen cloud's credentials: an error naming it, and no plan.
        let missing = try planCaseStudy(dir, env: [:])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("clouds.aws.credentials: AWS profile \"fl-platform\" is not defined in \(dir.url.path)/.aws/credentials or \(dir.url.path)/.aws/config; the plan uses aws"), "\(missing.stderr)")
        #expect(!missing.stdout.contains("Plan:"))
        #expect(missing.stderr.contains("warning: clouds.gcp.credentials"), "the other clouds are still reported: \(missing.stderr)")

        // Latency first: the aggregator goes to gcp, whose credentials file is now required.
        let latency = try planCaseStudy(dir, weights: "{ cost: 0.1, latency: 0.9 }", env: [:])
        #expect(latency.status == 1)
        #expect(latency.stderr.contains("clouds.gcp.credentials: credentials file ./credentials/gcp-sa.json does not exist; the plan uses gcp"), "\(latency.stderr)")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("credentials"), withIntermediateDirectories: true)
        _ = try dir.write("credentials/gcp-sa.json", "{}")
        let withGCP = try planCaseStudy(dir, weights: "{ cost: 0.1, latency: 0.9 }", env: [:])
        #expect(withGCP.status == 0, "\(withGCP.stderr)")
        #expect(withGCP.stdout.contains("Aggregator placement: gcp /"))
        #expect(withGCP.stderr.contains("warning: clouds.aws.credentials"))
    }

    // MARK: control characters

    @Test func controlCharactersInRejectedNamesAreEscapedInTextAndExactInJSON() throws {
        let dir = try TempDir()
        // YAML double-quoted escapes put a real newline, ESC, NUL and U+202E into the names.
        let text = Self.quickstart
            .replacingOccurrences(of: "  name: quickstart", with: "  name: \"bad\\nname\\e[31m\"")
            .replacingOccurrences(of: "cloud: hospital-b", with: "cloud: \"hosp\\0ital\\u202Eb\"")
        let spec = try dir.write("spec.yaml", text)
        let r = try CLI.run(["validate", "-f", spec.path], in: dir.url)
        #expect(r.status == 1)
        for raw in ["\u{1B}", "\u{0}", "\u{202E}"] { #expect(!r.stderr.contains(raw), "raw \(raw.unicodeScalars.first!.value) reached the terminal") }
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.allSatisfy { $0.hasPrefix(spec.path + ":") }, "one diagnostic per line: \(r.stderr)")
        #expect(r.stderr.contains(#"bad\nname\u{1B}[31m"#), "\(r.stderr)")
        #expect(r.stderr.contains(#"hosp\0ital\u{202E}b"#), "\(r.stderr)")

        let json = try CLI.run(["validate", "-f", spec.path, "--json"], in: dir.url)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let messages = items.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.contains("bad\nname\u{1B}[31m") }, "\(messages)")
        #expect(messages.contains { $0.contains("hosp\u{0}ital\u{202E}b") }, "\(messages)")
    }

    @Test func aRejectedModelIDIsEscapedToo() throws {
        let dir = try TempDir()
        let spec = try dir.write("spec.yaml", Self.quickstart)
        let r = try CLI.run(["models", "pull", "x\u{1B}]0;owned\u{7}", "-o", "m", "-f", spec.path], in: dir.url)
        #expect(r.status == 1)
        #expect(!r.stderr.contains("\u{1B}") && !r.stderr.contains("\u{7}"), "\(r.stderr)")
    }

    // MARK: no raw Foundation errors

    /// Failing invocations that reach Foundation's file APIs. `CLI.run` itself fails the test
    /// when any output holds `NSCocoaErrorDomain` or `Error Domain=`; each case also needs a
    /// plain message.
    @Test func failingFileOperationsGivePlainMessages() throws {
        let dir = try TempDir()
        let spec = try dir.write("spec.yaml", Self.quickstart)
        _ = try dir.write("not-a-plan", "{}")
        let fifo = dir.url.appendingPathComponent("plan.fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let cases: [([String], String)] = [
            (["apply", "-f", spec.path, dir.url.appendingPathComponent("missing.plan").path], "missing.plan: no such file"),
            (["apply", "-f", spec.path, dir.url.path], "error:"),
            (["apply", "-f", spec.path, dir.url.appendingPathComponent("not-a-plan").path], "not-a-plan"),
            (["apply", "-f", spec.path, fifo], "\(fifo): is a FIFO (named pipe), not a regular file; a plan file must be a regular file"),
            (["plan", "-f", spec.path, "--out", dir.url.appendingPathComponent("no/dir/p.plan").path], "does not exist"),
            (["plan", "-f", dir.url.path], "is a directory"),
            (["validate", "-f", dir.url.appendingPathComponent("missing.yaml").path], "no such file"),
            (["show", "--state", dir.url.appendingPathComponent("missing.db").path], "error:"),
            (["state", "list", "--state", dir.url.path], "error:"),
            (["models", "list", "-f", spec.path], "error:"),
            (["optimize", "-f", CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml").path,
              "--svg", dir.url.appendingPathComponent("no/dir/front.svg").path], "does not exist"),
            (["init", "-f", dir.url.appendingPathComponent("no/dir/spec.yaml").path], "does not exist"),
        ]
        for (args, expect) in cases {
            let r = try CLI.run(args, in: dir.url, killAfter: 120)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(expect), "\(args): \(r.stderr)")
        }
    }
}
