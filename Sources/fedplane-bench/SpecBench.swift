import FedSpec
import Foundation

/// Parse + validate a generated spec of N participants × M VMs, as `plan` does before anything else.
enum SpecBench {
    static func run(_ args: [String]) throws {
        let participants = Int(BenchArgs.value("--participants", in: args) ?? "1000") ?? 1000
        let vms = Int(BenchArgs.value("--vms", in: args) ?? "5") ?? 5
        let iterations = Int(BenchArgs.value("--iterations", in: args) ?? "15") ?? 15
        let text = generate(participants: participants, vms: vms)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-bench-\(getpid()).yaml")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let loader = SpecLoader(credentialCheck: .warn, environment: [:])
        var times: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = loader.load(path: file.path)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            guard result.spec?.participants.count == participants else {
                throw BenchError("generated spec did not validate: \(result.diagnostics.errors.prefix(3).map(\.rendered))")
            }
        }
        print("spec: \(participants) participants × \(vms) VMs, \(text.utf8.count / 1024) KiB")
        print("  parse + validate: " + BenchArgs.summary(times))
        print("  peak RSS of this process: \(BenchArgs.peakRSSMiB()) MiB")
    }

    /// A spec of `participants` × `vms`; `local` puts the aggregator on a local cloud so the
    /// spec can also be planned and applied on this machine.
    static func generate(participants: Int, vms: Int, local: Bool = false) -> String {
        var s = """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: bench }
        clouds:
          aws: { provider: aws, credentials: { profile: bench } }
          gcp: { provider: gcp, credentials: { file: ./gcp.json } }
          site: { provider: local }
          hub: { provider: local }
        policy: { allowPrivateAggregator: \(local) }
        aggregator:
          candidates: { clouds: \(local ? "[hub]" : "[aws, gcp]") }
          requirements: { maxCost: { amount: 85000, currency: KRW }, maxRoundLatency: 250ms, minVcpu: 2 }
          weights: { cost: 0.9, latency: 0.1 }
        participants:

        """
        let regions = ["aws/us-east-1", "aws/eu-west-1", "aws/ap-northeast-1"]
        for p in 0..<participants {
            s += """
              - name: participant-\(p)
                cloud: site
                location: \(regions[p % regions.count])
                bandwidth: 200Mbps
                data: { path: /srv/data, samples: \(1000 + p) }
                minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 20 }
                vms:

            """
            for v in 0..<vms {
                s += "      - { id: vm-\(v), vcpu: \(2 + v % 3), memoryGiB: 8, diskGiB: 40, state: \(v % 4 == 3 ? "inactive" : "active") }\n"
            }
        }
        // The participants' CSV data needs its shape for the built-in trainer.
        s += "training: { rounds: 20, minParticipants: \(participants), classes: [B, M], features: 30 }\n"
        return s
    }
}
