import ArgumentParser
import FedAWS
import FedPlan
import Foundation

extension Fedplane {
    struct Auth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the credentials of the spec's clouds.",
            subcommands: [Verify.self]
        )

        struct Verify: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "One real identity check per cloud: AWS STS GetCallerIdentity (account and ARN); a login to each host of an ssh cloud.",
                discussion: """
                An ssh cloud's hosts (its participants' VMs and the aggregator host) are each logged in to once: \
                the key is accepted and the host key matches the known_hosts file (or is recorded on first use \
                when the spec allows it). gcp and azure credentials are checked for shape only (live verification \
                is not supported yet). Exits 1 when a credential fails. \
                Secrets are never printed: each cloud shows its reference and a fingerprint.
                """
            )

            @OptionGroup var spec: SpecOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                let results: [CloudAuthenticator.Result]
                do {
                    let ws = try Workspace.load(specPath: spec.file, statePath: nil, credentialCheck: .warn)
                    results = ws.verifyCredentials()
                } catch {
                    throw Failure.report(error, specPath: spec.file)
                }
                if output.json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(["clouds": results]), as: UTF8.self))
                } else {
                    // Credential warnings (a key file others can read) went to stderr when loaded.
                    for r in results {
                        let ref = r.reference.map { " [\($0)\(r.fingerprint.map { ", \($0)" } ?? "")]" } ?? ""
                        print("\(r.cloud) (\(r.provider)): \(r.status == .failed ? "FAILED" : r.status.rawValue) — \(r.message)\(ref)")
                    }
                }
                if results.contains(where: { !$0.ok }) { throw ExitCode.failure }
            }
        }
    }
}
