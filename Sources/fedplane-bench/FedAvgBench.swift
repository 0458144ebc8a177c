import FedOptimize
import FedRandom
import Foundation
import FedWeights

/// `fedplane-bench fedavg [--updates 10] [--megabytes 26] [--runs 9] [--numpy [--python python3] [--script PATH]]`
///
/// Times FedAvg over `--updates` random float32 models of `--megabytes` MB each (decimal MB, so
/// 26 MB = 6.5 M floats, split into a few layers), reporting GB/s of input read (updates × size /
/// wall time, median of `--runs`), next to a plain memcpy of the same inputs (the practical
/// limit). With `--numpy` it writes the same updates as safetensors files to a temporary
/// directory and runs `Benchmarks/fedavg_numpy.py` on them, which times Flower's `aggregate`
/// formula and a tight in-place NumPy loop and checks their result against ours.
enum FedAvgBench {
    struct Options {
        var updates = 10
        var megabytes = 26.0
        var runs = 9
        var numpy = false
        var python = "python3"
        var script = "Benchmarks/fedavg_numpy.py"

        init(_ args: [String]) throws {
            if let v = BenchArgs.value("--updates", in: args) {
                guard let n = Int(v), n >= 1 else { throw BenchError("--updates needs a positive integer, got \(v)") }
                updates = n
            }
            if let v = BenchArgs.value("--megabytes", in: args) {
                guard let m = Double(v), m > 0 else { throw BenchError("--megabytes needs a positive number, got \(v)") }
                megabytes = m
            }
            if let v = BenchArgs.value("--runs", in: args) {
                guard let n = Int(v), n >= 1 else { throw BenchError("--runs needs a positive integer, got \(v)") }
                runs = n
            }
            numpy = args.contains("--numpy")
            if let v = BenchArgs.value("--python", in: args) { python = v }
            if let v = BenchArgs.value("--script", in: args) { script = v }
        }
    }

    static func run(_ args: [String]) throws {
        let options = try Options(args)
        let floats = Int(options.megabytes * 1e6 / 4)
        let inputBytes = Double(options.updates * floats * 4)
        let shapes = layerShapes(floats)
        print("fedavg: \(options.updates) updates × \(floats) float32 (\(String(format: "%.1f", Double(floats * 4) / 1e6)) MB, \(shapes.count) tensors), "
              + "\(options.runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        // Random updates in [-1, 1) from a fixed seed, and sample counts 1000 + 137 i.
        var generator = SplitMix64(seed: 0xFEDA_5EED)
        let flat: [[Float]] = (0..<options.updates).map { _ in
            [Float](unsafeUninitializedCapacity: floats) { buffer, count in
                for i in 0..<floats { buffer[i] = generator.nextFloat() }
                count = floats
            }
        }
        let samples = (0..<options.updates).map { 1000 + 137 * $0 }
        let layout = FlatLayout(entries: layout(of: shapes))
        let models = try flat.map { try ModelWeights(flat: $0, layout: layout, metadata: ["bench": "fedavg"]) }

        func gbps(_ ms: Double) -> Double { inputBytes / (ms / 1e3) / 1e9 }
        func report(_ label: String, _ ms: [Double]) -> Double {
            let m = median(ms)
            print("  " + label.padding(toLength: 46, withPad: " ", startingAt: 0)
                  + String(format: "%6.2f GB/s  ", gbps(m)) + BenchArgs.summary(ms))
            return m
        }

        // 1. The flat API, allocating its result (what the runtime calls).
        let flatUpdates = zip(flat, samples).map { (values: $0, samples: $1) }
        var result: [Float] = []
        let flatMs = try times(options.runs) { result = try FedAvg.average(flatUpdates) }
        let ours = report("FedAvg.average([Float]) (allocates result)", flatMs)

        // 2. The same into a preallocated output (no page faults on the result).
        var output = [Float](repeating: 0, count: floats)
        let intoMs = try times(options.runs) {
            try withBuffers(flat) { buffers in
                try output.withUnsafeMutableBufferPointer { out in
                    try FedAvg.average(zip(buffers, samples).map { (values: $0, samples: $1) }, into: out)
                }
            }
        }
        _ = report("FedAvg.average(into:) (preallocated output)", intoMs)

        // 3. The ModelWeights API (tensors matched by name, one result array per tensor).
        let modelUpdates = zip(models, samples).map { (weights: $0, samples: $1) }
        var averagedModel = models[0]
        let modelMs = try times(options.runs) { averagedModel = try FedAvg.average(modelUpdates) }
        _ = report("FedAvg.average(ModelWeights) (\(shapes.count) tensors)", modelMs)

        // 4. The practical limit: memcpy of every input into one reused (prefaulted) buffer.
        let memcpyMs = try times(options.runs) {
            try withBuffers(flat) { buffers in
                output.withUnsafeMutableBufferPointer { out in
                    for b in buffers { memcpy(out.baseAddress!, b.baseAddress!, floats * 4) }
                }
            }
        }
        let limit = report("memcpy of the inputs (1 thread)", memcpyMs)
        let memcpy2Ms = try times(options.runs) {
            try withBuffers(flat) { buffers in
                nonisolated(unsafe) let buffers = buffers
                output.withUnsafeMutableBufferPointer { out in
                    nonisolated(unsafe) let out = out
                    DispatchQueue.concurrentPerform(iterations: 2) { half in
                        let range = (half * floats / 2)..<((half + 1) * floats / 2)
                        for b in buffers { memcpy(out.baseAddress! + range.lowerBound, b.baseAddress! + range.lowerBound, range.count * 4) }
                    }
                }
            }
        }
        _ = report("memcpy of the inputs (2 threads)", memcpy2Ms)
        // And reading alone (a sum of every input, 2 threads): the ceiling for any reduction.
        var sink: Float = 0
        let readMs = try times(options.runs) {
            sink += try withBuffers(flat) { buffers in readAll(buffers, count: floats) }
        }
        _ = report("read-only pass over the inputs (2 threads)", readMs)
        if sink.isNaN { print("  (the read-only sum was NaN)") }
        print(String(format: "  FedAvg.average([Float]) reaches %.0f%% of single-thread memcpy", limit / ours * 100))

        // 5. The robust rules (training.strategy median | trimmed-mean, training.clipNorm), on the
        //    same updates through the same ModelWeights API, next to FedAvg's.
        let fedavgModel = median(modelMs)
        let robustRuns = max(1, min(options.runs, 5))
        let medianMs = try times(robustRuns) { _ = try RobustAggregation.median(models) }
        let m1 = report("median (coordinate-wise)", medianMs)
        let trimmedMs = try times(robustRuns) { _ = try RobustAggregation.trimmedMean(models, trim: 0.1) }
        let m2 = report("trimmed mean 0.1 (coordinate-wise)", trimmedMs)
        let clipMs = try times(robustRuns) { for m in models { _ = try RobustAggregation.clipped(m, global: models[0], maxNorm: 10) } }
        let m3 = report("norm clipping of every update (clip 10)", clipMs)
        print(String(format: "  cost vs FedAvg(ModelWeights): median %.1fx, trimmed mean %.1fx, clipping adds %.1fx",
                     m1 / fedavgModel, m2 / fedavgModel, m3 / fedavgModel))

        // Sanity: the flat and ModelWeights results agree and match a double-precision reference.
        let total = Double(samples.reduce(0, +))
        var worst = 0.0
        for j in stride(from: 0, to: floats, by: max(1, floats / 100_003)) {
            var exact = 0.0
            for (u, n) in zip(flat, samples) { exact += Double(u[j]) * Double(n) / total }
            worst = max(worst, abs(Double(result[j]) - exact))
        }
        guard averagedModel.flattened() == result else { throw BenchError("the ModelWeights and flat results differ") }
        print(String(format: "  max |ours - float64 reference| on a sample: %.2e", worst))

        if options.numpy {
            try runNumPy(options, models: models, samples: samples, result: averagedModel, ours: ours, limit: limit)
        }
    }

    // MARK: NumPy side

    static func runNumPy(_ options: Options, models: [ModelWeights], samples: [Int], result: ModelWeights,
                         ours: Double, limit: Double) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedavg-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ContinuousClock()
        var writeTimes: [Double] = []
        for (i, model) in models.enumerated() {
            let start = clock.now
            try SafeTensors.write(model, toFile: dir.appendingPathComponent("update\(i).safetensors").path)
            writeTimes.append(milliseconds(clock.now - start))
        }
        try SafeTensors.write(result, toFile: dir.appendingPathComponent("swift_avg.safetensors").path)
        let readMs = try times(5) { _ = try SafeTensors.read(contentsOfFile: dir.appendingPathComponent("update0.safetensors").path) }
        print(String(format: "  safetensors: write %.1f ms, read %.1f ms per %.0f MB update (median)",
                     median(writeTimes), median(readMs), Double(models[0].parameterCount * 4) / 1e6))

        let fields = try BenchArgs.pythonReport(
            [options.python, options.script, "--dir", dir.path, "--runs", String(options.runs),
             "--samples", samples.map(String.init).joined(separator: ",")],
            prefix: "NUMPY", failure: "the NumPy script failed (pip install numpy safetensors; run from the repository root or pass --script)")
        guard let flower = fields["flower_ms"], let tight = fields["tight_ms"], let copy = fields["copy_ms"] else {
            throw BenchError("unexpected NumPy output: \(fields)")
        }
        let bytes = Double(models.count * models[0].parameterCount * 4)
        let rate = { (ms: Double) in bytes / (ms / 1e3) / 1e9 }
        print(String(format: "side by side (median, GB/s of input): FedAvg %.2f | memcpy %.2f | Flower aggregate %.2f | tight NumPy %.2f | np.copyto %.2f",
                     rate(ours), rate(limit), rate(flower), rate(tight), rate(copy)))
        print(String(format: "FedAvg is %.1fx Flower's aggregate and %.1fx the tight NumPy loop", flower / ours, tight / ours))
    }

    // MARK: Helpers

    /// Sums every input with 16-wide vectors, split across 2 threads; returns the sum so that the
    /// loads cannot be optimised away.
    static func readAll(_ buffers: [UnsafeBufferPointer<Float>], count: Int) -> Float {
        nonisolated(unsafe) let buffers = buffers
        let partial = UnsafeMutableBufferPointer<Float>.allocate(capacity: 2)
        defer { partial.deallocate() }
        nonisolated(unsafe) let out = partial
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            let start = half * count / 2, end = (half + 1) * count / 2
            var acc = SIMD16<Float>(repeating: 0)
            var tail: Float = 0
            for b in buffers {
                let base = UnsafeRawPointer(b.baseAddress!)
                var j = start
                while j + 16 <= end {
                    acc += base.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                    j += 16
                }
                while j < end { tail += b[j]; j += 1 }
            }
            out[half] = acc.sum() + tail
        }
        return partial[0] + partial[1]
    }

    /// Layer shapes of a made-up MLP-like model holding exactly `floats` values.
    static func layerShapes(_ floats: Int) -> [(String, [Int])] {
        var shapes: [(String, [Int])] = []
        var left = floats
        for (k, fraction) in [0.6, 0.25, 0.1].enumerated() {
            let columns = 1000
            let rows = Int(Double(floats) * fraction) / columns
            guard rows > 0, left > rows * columns + columns else { continue }
            shapes.append(("layer\(k).weight", [rows, columns]))
            shapes.append(("layer\(k).bias", [columns]))
            left -= rows * columns + columns
        }
        shapes.append(("head.weight", [left]))
        return shapes
    }

    static func layout(of shapes: [(String, [Int])]) -> [FlatLayout.Entry] {
        var offset = 0
        return shapes.map { name, shape in
            let count = shape.reduce(1, *)
            defer { offset += count }
            return FlatLayout.Entry(name: name, shape: shape, range: offset..<(offset + count))
        }
    }

    /// Runs `body` once to warm up, then `runs` times; wall milliseconds of each timed run.
    static func times(_ runs: Int, _ body: () throws -> Void) throws -> [Double] {
        try body()
        let clock = ContinuousClock()
        return try (0..<runs).map { _ in
            let start = clock.now
            try body()
            return milliseconds(clock.now - start)
        }
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Pins every array and hands over their buffers.
    static func withBuffers<R>(_ arrays: [[Float]], _ body: ([UnsafeBufferPointer<Float>]) throws -> R) throws -> R {
        var buffers: [UnsafeBufferPointer<Float>] = []
        func pin(_ i: Int) throws -> R {
            if i == arrays.count { return try body(buffers) }
            return try arrays[i].withUnsafeBufferPointer { b in
                buffers.append(b)
                return try pin(i + 1)
            }
        }
        return try pin(0)
    }
}

extension SplitMix64 {
    /// Uniform in [-1, 1) with 24 random bits: the bench's update values.
    mutating func nextFloat() -> Float { Float(Int32(truncatingIfNeeded: next() >> 32) >> 8) * 0x1p-23 }
}
