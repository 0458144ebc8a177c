import FedDigest
import FedWeights
import Foundation

/// Real rounds at a given model size, timed phase by phase: `fedplane apply` (the binary next to
/// this benchmark) on a generated spec whose participants run a copy-only external trainer (its
/// update is the global model, so every second measured is fedplane's own, plus the simulated
/// start-up `--trainer-startup`), with `FEDPLANE_TRACE` set so the coordinator, the aggregator and
/// every agent write their phases (Sources/FedTrace). Each size runs in a fresh directory; the
/// tiny model (the quick start's size) runs first as the yardstick.
///
///     fedplane-bench rounds [--model-bytes 26900000] [--participants 3] [--rounds 6]
///                           [--trainer-startup S] [--persistent] [--no-tiny] [--overlap-recording 0|1]
enum RoundsBench {
    struct Options {
        var modelBytes = 26_900_000
        var participants = 3
        var rounds = 6
        var trainerStartup = 0.0
        var persistent = false
        /// FEDPLANE_RECORD_OVERLAP for the apply: record a round while the next one runs (1, the default) or before it opens (0).
        var overlapRecording: String?
    }

    static func run(_ args: [String]) throws {
        var o = Options()
        if let v = BenchArgs.value("--model-bytes", in: args).flatMap(Int.init) { o.modelBytes = v }
        if let v = BenchArgs.value("--participants", in: args).flatMap(Int.init) { o.participants = v }
        if let v = BenchArgs.value("--rounds", in: args).flatMap(Int.init) { o.rounds = v }
        if let v = BenchArgs.value("--trainer-startup", in: args).flatMap(Double.init) { o.trainerStartup = v }
        o.persistent = args.contains("--persistent")
        o.overlapRecording = BenchArgs.value("--overlap-recording", in: args)
        var runs: [(String, Result)] = []
        if !args.contains("--no-tiny") {
            var tiny = o
            tiny.modelBytes = 488
            runs.append(("tiny (\(tiny.modelBytes) B)", try measure(tiny)))
        }
        runs.append(("\(String(format: "%.1f", Double(o.modelBytes) / 1e6)) MB", try measure(o)))
        print("rounds: \(o.participants) participants, \(o.rounds) rounds, copy-only trainer" +
              (o.trainerStartup > 0 ? " with \(o.trainerStartup) s start-up" : "") + (o.persistent ? ", persistent" : ", one process per round"))
        report(runs, options: o)
    }

    /// Per-round phase durations (ms) and peak memory of one apply.
    struct Result {
        var phases: [String: [Double]] = [:]
        var firstRoundMs = 0.0
        var laterRoundsMs: [Double] = []
        var aggregatorPeakKiB = 0
        var agentPeakKiB = 0
        var coordinatorPeakKiB = 0
        var modelFileBytes = 0
        var hashMs = 0.0
        /// CPU time (user + system) of the whole apply and everything it started (rusage of
        /// reaped children), and its wall time.
        var applyCPUSeconds = 0.0
        var applyWallSeconds = 0.0
    }

    /// The phases in the order of a round, with where each comes from.
    static let rows: [(key: String, label: String)] = [
        ("round", "round (start to the next round's start)"),
        ("open", "  open round (PUT global)"),
        ("tasks", "  participant tasks (all agents)"),
        ("agentStart", "    agent start (spawn → main)"),
        ("download", "    download global + decode"),
        ("data", "    data split → CSV"),
        ("trainerInput", "    write trainer input"),
        ("trainer", "    trainer process"),
        ("trainerOutput", "    read + check trainer output"),
        ("upload", "    encode + upload update"),
        ("receiveUpdate", "      aggregator: receive body"),
        ("checkUpdate", "      aggregator: check + decode"),
        ("agentExit", "    agent exit (done → reaped)"),
        ("close", "  close (FedAvg, over HTTP)"),
        ("aggregate", "    aggregator: FedAvg + encode"),
        ("other", "  other (round − open − tasks − close)"),
        ("result", "  recorded during the next round: fetch result (GET)"),
        ("modelStore", "    model store (hash + write)"),
        ("stateCommit", "    state commit (SQLite)"),
        ("checkpoint", "    checkpoint"),
        ("cpuTotal", "CPU ms per round, traced processes"),
        ("cpuCoordinator", "  coordinator (incl. the previous round's recording)"),
        ("cpuAggregator", "  aggregator"),
        ("cpuAgents", "  agents (sum over participants)"),
        ("cpuFloor", "  ÷ 2 cores: the round's floor on this machine"),
    ]

    static func measure(_ o: Options) throws -> Result {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("fedplane-rounds-bench-\(getpid())-\(o.modelBytes)")
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model.safetensors")
        try SafeTensors.write(syntheticModel(bytes: o.modelBytes), toFile: model.path)
        let trainer = try writeTrainer(in: dir, startup: o.trainerStartup)
        let spec = dir.appendingPathComponent("bench.yaml")
        try specText(o, trainer: trainer).write(to: spec, atomically: true, encoding: .utf8)
        let traceDir = dir.appendingPathComponent("trace")

        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fedplane")
        let p = Process()
        p.executableURL = binary
        p.arguments = ["apply", "-f", spec.path, "--auto-approve"]
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["FEDPLANE_TRACE"] = traceDir.path
        if let overlap = o.overlapRecording { env["FEDPLANE_RECORD_OVERLAP"] = overlap }
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let cpuBefore = childrenCPUSeconds(), wallStart = DispatchTime.now().uptimeNanoseconds
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let applyCPU = childrenCPUSeconds() - cpuBefore, applyWall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
        // Persistent trainers outlive apply until stopped (as the coordinator will at a run's end).
        if o.persistent, let found = fm.enumerator(at: dir.appendingPathComponent(".fedplane"), includingPropertiesForKeys: nil) {
            for case let record as URL in found where record.lastPathComponent == "trainer.json" {
                let stop = Process()
                stop.executableURL = binary
                stop.arguments = ["stop-trainer", "--workdir", record.deletingLastPathComponent().deletingLastPathComponent().path]
                stop.standardOutput = FileHandle.nullDevice
                try stop.run()
                stop.waitUntilExit()
            }
        }
        guard p.terminationStatus == 0 else { throw BenchError("apply failed:\n\(stderr)") }
        var result = try analyse(traceDir, rounds: o.rounds)
        result.applyCPUSeconds = applyCPU
        result.applyWallSeconds = applyWall
        result.modelFileBytes = (try? fm.attributesOfItem(atPath: model.path)[.size] as? Int) ?? 0
        // What `models pull` spends verifying a model of this size (file in the page cache).
        var hashMs: [Double] = []
        for _ in 0..<5 {
            let t = DispatchTime.now().uptimeNanoseconds
            _ = try SHA256.hex(contentsOfFile: model.path)
            hashMs.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
        }
        result.hashMs = median(hashMs)
        return result
    }

    /// CPU seconds (user + system) of this process's reaped descendants so far.
    static func childrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// A float32 model of about `bytes` bytes: the quick start's two logistic tensors when tiny,
    /// else seven CNN-shaped tensors (two convolutions, two dense layers) with the first dense
    /// layer sized to fill the rest.
    static func syntheticModel(bytes: Int) -> ModelWeights {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func values(_ n: Int) -> [Float] {
            (0..<n).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 20_000
            }
        }
        let floats = max(bytes / 4, 8)
        if floats < 50_000 {
            let features = max((floats - 2) / 2, 1)
            return ModelWeights(tensors: [("linear.weight", Tensor(shape: [2, features], values: values(2 * features))),
                                          ("linear.bias", Tensor(shape: [2], values: values(2)))])
        }
        let fixed: [(String, [Int])] = [("conv1.weight", [32, 3, 3, 3]), ("conv1.bias", [32]), ("conv2.weight", [64, 32, 3, 3]),
                                        ("conv2.bias", [64]), ("fc1.bias", [256]), ("fc2.weight", [10, 256])]
        let used = fixed.reduce(0) { $0 + $1.1.reduce(1, *) } + 10
        let fc1 = [256, max((floats - used) / 256, 1)]
        var tensors = fixed.map { ($0.0, Tensor(shape: $0.1, values: values($0.1.reduce(1, *)))) }
        tensors.append(("fc1.weight", Tensor(shape: fc1, values: values(fc1[0] * fc1[1]))))
        tensors.append(("fc2.bias", Tensor(shape: [10], values: values(10))))
        return ModelWeights(tensors: tensors.map { (name: $0.0, tensor: $0.1) })
    }

    /// The copy-only trainer: its update is the global model it got, with a fixed evaluation. It
    /// speaks both modes: one round per process, or (FEDPLANE_TRAINER_MODE=persistent) one JSON
    /// line per round on stdin, answered with one line; the start-up sleep is paid once per process.
    static func writeTrainer(in dir: URL, startup: Double) throws -> URL {
        let url = dir.appendingPathComponent("copy-trainer.sh")
        let metrics = #"{"samples": 2, "loss": 0.5, "confusion": [[1, 0], [0, 1]], "train_samples": 10}"#
        let script = #"""
            #!/bin/sh
            \#(startup > 0 ? "sleep \(startup)" : ":")
            if [ "${FEDPLANE_TRAINER_MODE:-}" != persistent ]; then
              cp "$FEDPLANE_WEIGHTS_IN" "$FEDPLANE_WEIGHTS_OUT"
              printf '%s' '\#(metrics)' > "$FEDPLANE_METRICS_OUT"
              exit 0
            fi
            while IFS= read -r line; do
              val() { printf '%s' "$line" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
              cp "$(val FEDPLANE_WEIGHTS_IN)" "$(val FEDPLANE_WEIGHTS_OUT)"
              printf '%s' '\#(metrics)' > "$(val FEDPLANE_METRICS_OUT)"
              echo "{\"id\":\"$(val id)\",\"ok\":true}"
            done

            """#
        try script.write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, 0o755)
        return url
    }

    static func specText(_ o: Options, trainer: URL) -> String {
        var s = """
        apiVersion: fedplane/v1
        kind: Federation
        metadata: { name: bench }
        policy: { allowPrivateAggregator: true }
        clouds:
          lab: { provider: local }

        """
        for i in 0..<o.participants { s += "  site-\(i): { provider: local }\n" }
        s += """
        aggregator:
          candidates: { clouds: [lab] }
          weights: { cost: 0.5, latency: 0.5 }
          optimizer: { population: 20, generations: 10, seed: 7 }
        participants:

        """
        for i in 0..<o.participants {
            s += """
              - name: site-\(i)
                cloud: site-\(i)
                location: aws/us-east-1
                bandwidth: 10Gbps
                minResources: { vcpu: 1, memoryGiB: 1, diskGiB: 1 }
                vms: [{ id: vm-001, vcpu: 2, memoryGiB: 4, diskGiB: 20, state: active }]

            """
        }
        s += """
        training:
          model: { file: model.safetensors }
          trainer: { command: [\(trainer.path)]\(o.persistent ? ", persistent: true" : "") }
          strategy: fedavg
          rounds: \(o.rounds)
          epochs: 1
          batchSize: 32
          learningRate: 0.1
          minParticipants: \(o.participants)
          retry: { attempts: 1, taskTimeout: 120s }
          roundDeadline: 600s

        """
        return s
    }

    struct Event: Decodable {
        var role: String
        var participant: String?
        var round: Int
        var phase: String
        var start: Double
        var end: Double
        var pid: Int
        var rssKiB: Int
        /// The process's CPU time so far when the phase ended (absent in traces of older builds).
        var cpuMs: Double?
        var ms: Double { (end - start) * 1000 }
    }

    /// CPU ms per round by role: an agent's whole process counts in the round it served; the
    /// long-lived coordinator and aggregator count what they used between this round's start and
    /// the next one's (their CPU at the last phase that ended before each).
    static func cpuPerRound(_ events: [Event], rounds: Int) -> [Int: [String: Double]] {
        let starts = Dictionary(events.filter { $0.role == "coordinator" && ($0.phase == "round" || $0.phase == "finalEvaluation") }
            .map { ($0.round, $0.start) }, uniquingKeysWith: min)
        let byPid = Dictionary(grouping: events.filter { $0.cpuMs != nil }, by: \.pid)
        var out: [Int: [String: Double]] = [:]
        for round in 1...rounds {
            guard let t0 = starts[round], let t1 = starts[round + 1] else { continue }
            var cpu: [String: Double] = [:]
            for (_, series) in byPid {
                let role = series[0].role
                if role == "agent" {
                    guard series.contains(where: { $0.round == round }) else { continue }
                    cpu["agent", default: 0] += series.compactMap(\.cpuMs).max() ?? 0
                } else {
                    func at(_ t: Double) -> Double { series.filter { $0.end <= t }.compactMap(\.cpuMs).max() ?? 0 }
                    cpu[role, default: 0] += at(t1) - at(t0)
                }
            }
            out[round] = cpu
        }
        return out
    }

    static func analyse(_ traceDir: URL, rounds: Int) throws -> Result {
        var events: [Event] = []
        for file in try FileManager.default.contentsOfDirectory(at: traceDir, includingPropertiesForKeys: nil) {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                events.append(try JSONDecoder().decode(Event.self, from: Data(line.utf8)))
            }
        }
        var r = Result()
        for e in events {
            switch e.role {
            case "aggregator": r.aggregatorPeakKiB = max(r.aggregatorPeakKiB, e.rssKiB)
            case "agent": r.agentPeakKiB = max(r.agentPeakKiB, e.rssKiB)
            default: r.coordinatorPeakKiB = max(r.coordinatorPeakKiB, e.rssKiB)
            }
        }
        let cpuByRound = cpuPerRound(events, rounds: rounds)
        for round in 1...rounds {
            let inRound = events.filter { $0.round == round }
            func one(_ role: String, _ phase: String) -> Event? { inRound.first { $0.role == role && $0.phase == phase } }
            /// Mean over participants of a per-participant phase.
            func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
            var phases: [String: Double] = [:]
            for key in ["round", "open", "tasks", "close", "result", "modelStore", "stateCommit", "checkpoint"] {
                if let e = one("coordinator", key) { phases[key] = e.ms }
            }
            for key in ["download", "data", "trainerInput", "trainer", "trainerOutput", "upload"] {
                phases[key] = mean(inRound.filter { $0.role == "agent" && $0.phase == key }.map(\.ms))
            }
            for key in ["receiveUpdate", "checkUpdate"] {
                phases[key] = mean(inRound.filter { $0.role == "aggregator" && $0.phase == key }.map(\.ms))
            }
            phases["aggregate"] = one("aggregator", "aggregate")?.ms
            var starts: [Double] = [], exits: [Double] = []
            for process in inRound where process.role == "coordinator" && process.phase == "agentProcess" {
                let mine = inRound.filter { $0.role == "agent" && $0.participant == process.participant }
                if let main = mine.first(where: { $0.phase == "main" }) { starts.append((main.start - process.start) * 1000) }
                if let exit = mine.first(where: { $0.phase == "exit" }) { exits.append((process.end - exit.start) * 1000) }
            }
            phases["agentStart"] = mean(starts)
            phases["agentExit"] = mean(exits)
            // A round's recording (fetch, store, commit) overlaps the next round: a round lasts
            // from its start to the next one's (the final evaluation pass follows the last).
            if let this = one("coordinator", "round"),
               let next = events.first(where: { $0.role == "coordinator" && $0.round == round + 1 && ($0.phase == "round" || $0.phase == "finalEvaluation") }) {
                phases["round"] = (next.start - this.start) * 1000
            }
            if let total = phases["round"] {
                let parts = ["open", "tasks", "close"].compactMap { phases[$0] }
                phases["other"] = total - parts.reduce(0, +)
                if round == 1 { r.firstRoundMs = total } else { r.laterRoundsMs.append(total) }
            }
            if let cpu = cpuByRound[round] {
                let parts = [("cpuCoordinator", "coordinator"), ("cpuAggregator", "aggregator"), ("cpuAgents", "agent")]
                for (key, role) in parts { phases[key] = cpu[role] ?? 0 }
                phases["cpuTotal"] = cpu.values.reduce(0, +)
                phases["cpuFloor"] = cpu.values.reduce(0, +) / 2
            }
            for (k, v) in phases { r.phases[k, default: []].append(v) }
        }
        return r
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func report(_ runs: [(String, Result)], options o: Options) {
        func cell(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        print("phase, ms (median of rounds)".padding(toLength: 44, withPad: " ", startingAt: 0)
              + runs.map { cell($0.0, 16) }.joined())
        for (key, label) in rows {
            let cells = runs.map { run -> String in
                guard let xs = run.1.phases[key], !xs.isEmpty else { return cell("-", 16) }
                return cell(String(format: "%.1f", median(xs)), 16)
            }
            print(label.padding(toLength: 44, withPad: " ", startingAt: 0) + cells.joined())
        }
        for (name, r) in runs {
            let size = Double(r.modelFileBytes) / 1_048_576
            let aggBound = Double(o.participants + 2) * size + 64, agentBound = 2 * size + 64
            print("\(name): round 1 \(String(format: "%.1f", r.firstRoundMs)) ms, rounds 2–\(o.rounds) median \(String(format: "%.1f", median(r.laterRoundsMs))) ms;"
                  + " peak RSS aggregator \(r.aggregatorPeakKiB / 1024) MiB (goal ≤ \(Int(aggBound))), agent \(r.agentPeakKiB / 1024) MiB (goal ≤ \(Int(agentBound))),"
                  + " coordinator \(r.coordinatorPeakKiB / 1024) MiB; SHA-256 of the model file \(String(format: "%.1f", r.hashMs)) ms;"
                  + String(format: " the whole apply: %.2f s CPU in %.2f s wall (%.2f cores busy on average; trainers and exits included)",
                           r.applyCPUSeconds, r.applyWallSeconds, r.applyCPUSeconds / max(r.applyWallSeconds, 1e-9)))
        }
        if runs.count == 2 {
            let tiny = median(runs[0].1.phases["round"] ?? []), big = median(runs[1].1.phases["round"] ?? [])
            print(String(format: "ratio: %.2f× the tiny model's round (goal ≤ 3×); %.3f s per round (goal ≤ 0.25 s)", big / tiny, big / 1000))
        }
    }
}
