import Foundation

/// The README's main job, timed: `fedplane apply` on specs/quickstart.yaml in a scratch directory
/// with the fedplane binary next to this benchmark; then each round's time minus the slowest
/// participant's training time (from the agents' logs) is the runtime's own overhead per round.
enum QuickstartBench {
    static func run(_ args: [String]) throws {
        let spec = BenchArgs.value("--spec", in: args) ?? "specs/quickstart.yaml"
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fedplane")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-quickstart-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("quickstart.yaml")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: spec), to: copy)

        let p = Process()
        p.executableURL = binary
        p.arguments = ["apply", "-f", copy.path, "--auto-approve"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let start = DispatchTime.now().uptimeNanoseconds
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard p.terminationStatus == 0 else { throw BenchError("apply failed:\n\(stderr)") }

        // "round 3/10: … 0.31 s" → seconds per round.
        var roundSeconds: [Int: Double] = [:]
        for line in stderr.split(separator: "\n") where line.hasPrefix("round ") {
            let r = Int(line.dropFirst(6).prefix { $0.isNumber }) ?? 0
            if let s = line.split(separator: " ").dropLast().last.flatMap({ Double($0) }) { roundSeconds[r] = s }
        }
        // Agents log "round r: trained in x s".
        var training: [Int: Double] = [:]
        let root = dir.appendingPathComponent(".fedplane/quickstart/participant")
        for case let log as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) ?? .init()
        where log.lastPathComponent == "agent.log" {
            for line in (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n") ?? [] where line.contains("trained in") {
                let r = Int(line.dropFirst(6).prefix { $0.isNumber }) ?? 0
                let s = line.split(separator: " ").dropLast().last.flatMap { Double($0) } ?? 0
                training[r] = max(training[r] ?? 0, s)
            }
        }
        let overheads = roundSeconds.keys.sorted().map { (roundSeconds[$0] ?? 0) - (training[$0] ?? 0) }
        print("quickstart: \(roundSeconds.count) rounds, apply wall time \(String(format: "%.2f", wall)) s end to end")
        print("  round time: " + BenchArgs.summary(roundSeconds.values.map { $0 * 1000 }))
        print("  slowest participant's training per round: " + BenchArgs.summary(training.values.map { $0 * 1000 }))
        print("  runtime overhead per round (round − training): " + BenchArgs.summary(overheads.map { $0 * 1000 }))
    }
}
