import Foundation
import Testing

/// Files the spec or the environment points at (the spec itself, `catalog:`,
/// `training.model.file`, credential files, `AWS_SHARED_CREDENTIALS_FILE`) are checked for type
/// and size before a byte is read: a FIFO does not hang fedplane, a 2 GB sparse file is not
/// loaded, and a file that is something else is said so once, without quoting it.
@Suite struct ReferencedFileTests {
    static let quickstart = try! String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
    static let caseStudy = try! String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml"), encoding: .utf8)

    /// 48 lines shaped like /etc/shadow, with a canary that must never be printed.
    static let shadowLike = (0..<48).map { "user\($0):$6$CANARYSALT$CANARYHASH\($0)xyz:19000:0:99999:7:::" }.joined(separator: "\n") + "\n"

    /// A sparse file of `bytes` (no disk used).
    static func sparse(_ dir: TempDir, _ name: String, bytes: off_t) throws -> String {
        let path = dir.url.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, bytes) == 0)
        return path
    }

    static func fifo(_ dir: TempDir, _ name: String) -> String {
        let path = dir.url.appendingPathComponent(name).path
        #expect(mkfifo(path, 0o644) == 0)
        return path
    }

    // MARK: training.model.file

    @Test func aFIFOModelFailsAtOnceAndLeavesNoLock() throws {
        let dir = try TempDir()
        _ = Self.fifo(dir, "model.safetensors")
        let spec = try dir.write("spec.yaml", Self.quickstart.replacingOccurrences(
            of: "training:\n", with: "training:\n  model: { file: model.safetensors }\n"))
        let plan = try CLI.run(["plan", "-f", spec.path], in: dir.url, killAfter: 60)
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("training.model.file: the initial model \(dir.url.path)/model.safetensors: is a FIFO (named pipe), not a regular file"), "\(plan.stderr)")
        for _ in 0..<2 {
            // Twice: a lock left by the first apply would make the second fail differently.
            let apply = try CLI.run(["apply", "-f", spec.path, "--auto-approve"], in: dir.url, killAfter: 60)
            #expect(apply.status == 1)
            #expect(apply.stderr.contains("is a FIFO (named pipe), not a regular file"), "\(apply.stderr)")
            #expect(!apply.stderr.contains("locked"), "\(apply.stderr)")
        }
    }

    @Test func aHugeSparseModelIsRefusedByItsSize() throws {
        let dir = try TempDir()
        _ = try Self.sparse(dir, "model.safetensors", bytes: 2 << 30)
        let spec = try dir.write("spec.yaml", Self.quickstart.replacingOccurrences(
            of: "training:\n", with: "training:\n  model: { file: model.safetensors }\n"))
        let plan = try CLI.run(["plan", "-f", spec.path], in: dir.url, killAfter: 60)
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("model.safetensors: the file is 2 GiB; a model file may be at most 1 GiB"), "\(plan.stderr)")
    }

    @Test func aModelThatIsNotSafetensorsIsSaidSoOnceWithoutItsContents() throws {
        let dir = try TempDir()
        _ = try dir.write("model.safetensors", Self.shadowLike)
        let spec = try dir.write("spec.yaml", Self.quickstart.replacingOccurrences(
            of: "training:\n", with: "training:\n  model: { file: model.safetensors }\n"))
        let plan = try CLI.run(["plan", "-f", spec.path], in: dir.url)
        #expect(plan.status == 1)
        #expect(plan.stderr == "\(spec.path): training.model.file: the initial model \(dir.url.path)/model.safetensors is not a safetensors file (fedplane reads models in the safetensors format)\n", "\(plan.stderr)")
        #expect(!plan.stderr.contains("CANARY"))
    }

    // MARK: catalog:

    static func withCatalog(_ dir: TempDir, _ path: String) throws -> URL {
        try dir.write("spec.yaml", Self.quickstart.replacingOccurrences(of: "clouds:\n", with: "catalog: \(path)\n\nclouds:\n"))
    }

    @Test func aCatalogThatIsNotACatalogIsOneLineWithoutItsContents() throws {
        let dir = try TempDir()
        let shadow = try dir.write("shadow", Self.shadowLike)
        let spec = try Self.withCatalog(dir, shadow.path)
        let r = try CLI.run(["validate", "-f", spec.path], in: dir.url)
        #expect(r.status == 1)
        #expect(!r.stderr.contains("CANARY"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("\(shadow.path):1:1: not a fedplane catalog file"), "\(r.stderr)")
    }

    @Test func aFIFOOrHugeCatalogIsRefusedBeforeReading() throws {
        let dir = try TempDir()
        let fifo = Self.fifo(dir, "catalog.yaml")
        let r = try CLI.run(["validate", "-f", try Self.withCatalog(dir, fifo).path], in: dir.url, killAfter: 60)
        #expect(r.status == 1)
        #expect(r.stderr == "\(fifo): is a FIFO (named pipe), not a regular file; a catalog file must be a regular file (named by the spec's catalog:)\n", "\(r.stderr)")
        let big = try Self.sparse(dir, "big.yaml", bytes: 2 << 30)
        let r2 = try CLI.run(["validate", "-f", try Self.withCatalog(dir, big).path], in: dir.url, killAfter: 60)
        #expect(r2.status == 1)
        #expect(r2.stderr.contains("\(big): the file is 2 GiB; a catalog file may be at most 8 MiB"), "\(r2.stderr)")
    }

    // MARK: the spec itself

    @Test func aSpecThatIsAFIFOADeviceOrAnotherFileIsRefusedPlainly() throws {
        let dir = try TempDir()
        let fifo = Self.fifo(dir, "spec.yaml")
        let r = try CLI.run(["validate", "-f", fifo], in: dir.url, killAfter: 60)
        #expect(r.status == 1 && r.stderr == "\(fifo): is a FIFO (named pipe), not a regular file; a spec must be a regular file\n", "\(r.stderr)")
        let dev = try CLI.run(["validate", "-f", "/dev/zero"], in: dir.url, killAfter: 60)
        #expect(dev.status == 1 && dev.stderr == "/dev/zero: is a character device, not a regular file; a spec must be a regular file\n", "\(dev.stderr)")
        let shadow = try dir.write("shadow", Self.shadowLike)
        let s = try CLI.run(["validate", "-f", shadow.path], in: dir.url)
        #expect(s.status == 1 && !s.stderr.contains("CANARY"), "\(s.stderr)")
        #expect(s.stderr.split(separator: "\n").count == 1, "\(s.stderr)")
        #expect(s.stderr.contains("\(shadow.path):1:1: not a fedplane spec: none of its 48 top-level keys is a spec field"), "\(s.stderr)")
        // A file that is one long scalar (no `key: value` at all) is not quoted either.
        let scalar = try dir.write("scalar", Self.shadowLike.replacingOccurrences(of: ":", with: "."))
        let s2 = try CLI.run(["validate", "-f", scalar.path], in: dir.url)
        #expect(s2.status == 1 && !s2.stderr.contains("CANARY"), "\(s2.stderr)")
        #expect(s2.stderr.split(separator: "\n").count == 1 && s2.stderr.contains("so it is not a fedplane spec"), "\(s2.stderr)")
    }

    // MARK: credentials

    /// The case study planned with only AWS in play (cost-first places the aggregator on aws).
    func planCaseStudy(_ dir: TempDir, env extra: [String: String]) throws -> CLI.Output {
        let spec = try dir.write("covid.yaml", Self.caseStudy)
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = dir.url.path
        for k in ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"] { env[k] = nil }
        env.merge(extra) { _, b in b }
        return try CLI.run(["plan", "-f", spec.path], in: dir.url, environment: env, killAfter: 60)
    }

    @Test func aHugeOrSpecialAWSCredentialsFileIsAProblemNotARead() throws {
        let dir = try TempDir()
        let big = try Self.sparse(dir, "credentials", bytes: 2 << 30)
        let r = try planCaseStudy(dir, env: ["AWS_SHARED_CREDENTIALS_FILE": big])
        #expect(r.status == 1)
        #expect(r.stderr.contains("clouds.aws.credentials: cannot look up AWS profile \"fl-platform\": \(big): the file is 2 GiB; a credentials file may be at most 1 MiB"), "\(r.stderr)")
        let fifo = Self.fifo(dir, "credentials.fifo")
        let r2 = try planCaseStudy(dir, env: ["AWS_SHARED_CREDENTIALS_FILE": fifo])
        #expect(r2.status == 1 && r2.stderr.contains("\(fifo): is a FIFO (named pipe), not a regular file"), "\(r2.stderr)")
    }

    @Test func aCredentialsFileReferenceThatIsAFIFOIsAProblem() throws {
        let dir = try TempDir()
        _ = Self.fifo(dir, "sa.json")
        let spec = try dir.write("spec.yaml", Self.quickstart.replacingOccurrences(
            of: "lab:        { provider: local }", with: "lab: { provider: gcp, credentials: { file: ./sa.json } }"))
        let r = try CLI.run(["validate", "-f", spec.path], in: dir.url, killAfter: 60)
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning: clouds.lab.credentials: credentials file ./sa.json is a FIFO (named pipe), not a regular file"), "\(r.stderr)")
    }
}
