import ArgumentParser
import FedSpec
import Foundation

extension Fedplane {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a commented starter spec (a federation on this machine) to edit.",
            discussion: """
            The spec runs as is with the local provider: `fedplane apply -f SPEC` trains it here. It starts \
            with a `# yaml-language-server: $schema=…` line, so editors check it as you type. An existing \
            file is never overwritten.
            """
        )

        @Option(name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("Where to write the spec.", valueName: "spec"))
        var file: String = SpecOptions.defaultFile

        @Option(name: .customLong("name"), help: "The federation's name (lowercase letters, digits and -).")
        var name: String = "my-federation"

        @Option(name: .customLong("schema"), help: ArgumentHelp(
            "The JSON Schema the spec's first line points editors at (default: fedplane's schemas/federation.schema.json, found next to this binary, relative to the spec).",
            valueName: "path"))
        var schema: String?

        func validate() throws {
            let ok = !name.isEmpty && name.count <= 63 && name.first != "-" && name.last != "-"
                && name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            guard ok else { throw ValidationError("--name: \"\(TerminalText.escape(name))\" is not a name: use lowercase letters, digits and -, at most 63 characters") }
        }

        func run() throws {
            var st = stat()
            if lstat(file, &st) == 0 {
                Console.stderr("error: \(TerminalText.escape(file)) already exists; fedplane init never overwrites a file. Choose another with -f PATH.")
                throw ExitCode.failure
            }
            let text = StarterSpec.text(name: name, schema: schema ?? StarterSpec.schemaPath(forSpecAt: file))
            do {
                // Created with O_EXCL: a file that appeared meanwhile is not replaced either.
                try StarterSpec.create(file, text)
            } catch {
                throw Failure.report(error, specPath: file)
            }
            let flag = file == SpecOptions.defaultFile ? "" : " -f \(Hint.shellQuoted(file))"
            print("""
            Wrote \(file): federation \(name), three participants and an aggregator on this machine.
            Next: fedplane validate\(flag)   then   fedplane plan\(flag)   then   fedplane apply\(flag)
            """)
        }
    }
}

enum StarterSpec {
    /// The schema, relative to the spec's directory: fedplane's `schemas/` found above the binary
    /// (`.build/release/fedplane` in a checkout) or above the working directory.
    static func schemaPath(forSpecAt spec: String) -> String {
        let name = "schemas/federation.schema.json"
        var candidates: [URL] = []
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 { candidates.append(dir); dir.deleteLastPathComponent() }
        dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<5 { candidates.append(dir); dir.deleteLastPathComponent() }
        guard let root = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent(name).path) }) else {
            return name
        }
        let specDir = URL(fileURLWithPath: spec).standardizedFileURL.deletingLastPathComponent().resolvingSymlinksInPath().pathComponents
        let target = root.appendingPathComponent(name).standardizedFileURL.resolvingSymlinksInPath().pathComponents
        var common = 0
        while common < specDir.count && common < target.count && specDir[common] == target[common] { common += 1 }
        return (Array(repeating: "..", count: specDir.count - common) + target[common...]).joined(separator: "/")
    }

    static func create(_ path: String, _ text: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        if !parent.isEmpty && !(FileManager.default.fileExists(atPath: parent, isDirectory: &isDir) && isDir.boolValue) {
            throw OutputFile.Failure(path: path, reason: "the directory \(parent) does not exist")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputFile.Failure(path: path, reason: OutputFile.reason(errno)) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard n == bytes.count else {
            let reason = OutputFile.reason(errno)
            unlink(path)
            throw OutputFile.Failure(path: path, reason: reason)
        }
    }

    static func text(name: String, schema: String) -> String {
        """
        # yaml-language-server: $schema=\(schema)
        #
        # A starter federation spec written by `fedplane init`. As written, everything runs on this
        # machine with the embedded local provider: three participants train on their own share of
        # the built-in breast-cancer data, and an aggregator that only sees model weights runs beside
        # them. Edit it, then: fedplane validate, fedplane plan, fedplane apply (add -f FILE when
        # this file is not ./fedplane.yaml). The README's spec reference lists every field.
        apiVersion: fedplane/v1
        kind: Federation
        metadata:
          name: \(name)            # names the federation and its state (.fedplane/\(name).db)

        policy:
          # The aggregator normally goes to a public cloud (aws, gcp, azure); here it stays local.
          allowPrivateAggregator: true

        # Each cloud names a provider. Public clouds also take a credentials *reference*, never a
        # secret: { profile: NAME }, { file: PATH } or { env: [VAR, …] }.
        clouds:
          lab:     { provider: local }
          site-a:  { provider: local }
          site-b:  { provider: local }
          site-c:  { provider: local }

        aggregator:
          candidates:
            clouds: [lab]            # e.g. [aws, gcp, azure] once those clouds are defined above
          # requirements: { maxCost: { amount: 50, currency: USD, per: run }, maxRoundLatency: 250ms, minVcpu: 2 }
          weights: { cost: 0.5, latency: 0.5 }
          optimizer: { population: 40, generations: 50, seed: 7 }

        # One VM shape the participants share; `x-` keys are ignored and hold anchors.
        x-vm: &worker { vcpu: 2, memoryGiB: 4, diskGiB: 20, state: active }

        # Each participant trains in its own private cloud on data that never leaves it.
        participants:
          - name: site-a
            cloud: site-a
            location: aws/us-east-1    # the catalog region it sits near (`fedplane catalog list`)
            bandwidth: 1Gbps
            minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 10 }
            vms:                       # a task goes to the next eligible VM, round-robin
              - { id: vm-001, <<: *worker }
              - { id: vm-002, <<: *worker }
          - name: site-b
            cloud: site-b
            location: aws/eu-west-1
            bandwidth: 1Gbps
            minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 10 }
            vms:
              - { id: vm-001, <<: *worker }
          - name: site-c
            cloud: site-c
            location: aws/ap-northeast-1
            bandwidth: 1Gbps
            minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 10 }
            vms:
              - { id: vm-001, <<: *worker }

        training:
          trainer: { builtin: logistic }   # or mlp, or { command: [python3, train.py] }
          strategy: fedavg
          rounds: 10
          epochs: 3
          batchSize: 32
          learningRate: 0.2
          minParticipants: 2
          retry: { attempts: 2, taskTimeout: 30s }
          roundDeadline: 60s

        models:
          # How `fedplane models best` picks the model to export.
          select: { metric: f1, goal: max, constraints: { accuracy: ">= 0.85" } }

        """
    }
}
