import Foundation

/// Why updates could not be averaged. `participant` is the index of the offending update in the
/// list given to `FedAvg.average`, `tensor` the tensor at fault; `message` names both.
public struct FedAvgError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// No updates at all.
        case noUpdates
        /// A negative sample count, or counts whose sum overflows.
        case invalidSamples
        /// All sample counts are zero: the weights samples/total are undefined.
        case zeroTotalSamples
        /// An update lacks a tensor the first one has, or has one the first one lacks.
        case tensorNamesMismatch
        /// A tensor's shape (or a flat buffer's length) differs from the first update's.
        case shapeMismatch
        /// A tensor whose value count disagrees with its own shape, or a duplicated name.
        case invalidUpdate
    }

    public let kind: Kind
    public let participant: Int?
    public let tensor: String?
    public let message: String

    public init(_ kind: Kind, participant: Int? = nil, tensor: String? = nil, _ message: String) {
        self.kind = kind
        self.participant = participant
        self.tensor = tensor
        self.message = message
    }

    public var description: String { "FedAvg: \(message)" }
}

/// Federated averaging (McMahan et al., 2017): the average of the participants' updates weighted
/// by their sample counts, `Σ (nᵢ / Σn) · xᵢ`.
///
/// Each output element is computed as the left fold `((w₀x₀ + w₁x₁) + w₂x₂) + …` in Float32, in
/// participant order, whatever the blocking or the number of threads, so results are
/// deterministic and bit-identical to that naive loop. The weights are `Float(nᵢ / Σn)`
/// computed in Double.
///
/// The kernel is memory-bound: it walks the output in cache-sized blocks (`blockSize` floats),
/// folding the inputs into a block four at a time so that each block of output stays in L1
/// while it is read and written, and splits the blocks between threads for large inputs.
public enum FedAvg {
    /// Tuning knobs of the kernel (internal: tests vary them to check they do not change results).
    struct Config: Sendable {
        /// Output floats per cache block.
        var blockSize = 4096
        /// Output floats per parallel work item.
        var chunkSize = 1 << 17
        /// Threads to split work between; 1 = run on the calling thread.
        var threads = ProcessInfo.processInfo.activeProcessorCount
        /// Below this many input floats (N × count) everything runs on the calling thread.
        var parallelThreshold = 1 << 18
        /// Participants whose buffers are gathered at once by the array-level APIs.
        var group = 64

        static let `default` = Config()
    }

    // MARK: Weights

    /// `nᵢ / Σn` for each participant, checked: no negatives, no overflow, a positive total.
    public static func weights(samples: [Int]) throws -> [Float] {
        guard !samples.isEmpty else { throw FedAvgError(.noUpdates, "no updates to average") }
        var total = 0
        for (i, n) in samples.enumerated() {
            guard n >= 0 else {
                throw FedAvgError(.invalidSamples, participant: i, "participant \(i) reports a negative sample count (\(n))")
            }
            let (sum, overflow) = total.addingReportingOverflow(n)
            guard !overflow else { throw FedAvgError(.invalidSamples, participant: i, "the sample counts overflow when summed (at participant \(i))") }
            total = sum
        }
        guard total > 0 else {
            throw FedAvgError(.zeroTotalSamples, "the \(samples.count) updates report 0 samples in total; their weights are undefined")
        }
        return samples.map { Float(Double($0) / Double(total)) }
    }

    // MARK: Flat buffers

    /// Averages flat buffers of equal length into `output` (which may not alias an input).
    public static func average(_ updates: [(values: UnsafeBufferPointer<Float>, samples: Int)],
                               into output: UnsafeMutableBufferPointer<Float>) throws {
        try average(updates, into: output, config: .default)
    }

    /// Averages flat buffers of equal length.
    public static func average(_ updates: [(values: UnsafeBufferPointer<Float>, samples: Int)]) throws -> [Float] {
        _ = try weights(samples: updates.map(\.samples))
        let count = updates[0].values.count
        return try [Float](unsafeUninitializedCapacity: count) { out, initialized in
            try average(updates, into: out, config: .default)
            initialized = count
        }
    }

    /// Averages flat arrays of equal length (e.g. updates kept flat by the runtime, see `FlatLayout`).
    public static func average(_ updates: [(values: [Float], samples: Int)]) throws -> [Float] {
        try average(updates, config: .default)
    }

    static func average(_ updates: [(values: UnsafeBufferPointer<Float>, samples: Int)],
                        into output: UnsafeMutableBufferPointer<Float>, config: Config) throws {
        let w = try weights(samples: updates.map(\.samples))
        try checkLengths(updates.map(\.values.count))
        guard output.count == updates[0].values.count else {
            throw FedAvgError(.shapeMismatch, "the output holds \(output.count) values but the updates hold \(updates[0].values.count)")
        }
        guard output.count > 0 else { return }
        updates.map { $0.values.baseAddress! }.withUnsafeBufferPointer { inputs in
            w.withUnsafeBufferPointer { weights in
                weightedSum(inputs: inputs, weights: weights, count: output.count, into: output.baseAddress!, accumulate: false, config: config)
            }
        }
    }

    static func average(_ updates: [(values: [Float], samples: Int)], config: Config) throws -> [Float] {
        let w = try weights(samples: updates.map(\.samples))
        try checkLengths(updates.map(\.values.count))
        let count = updates[0].values.count
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            if count > 0 {
                sumArrays(updates.map(\.values), weights: w, count: count, into: out.baseAddress!, config: config)
            }
            initialized = count
        }
    }

    private static func checkLengths(_ counts: [Int]) throws {
        for (i, c) in counts.enumerated() where c != counts[0] {
            throw FedAvgError(.shapeMismatch, participant: i, "participant \(i) has \(c) values but participant 0 has \(counts[0])")
        }
    }

    // MARK: ModelWeights

    /// Averages whole models. Tensors are matched by name (each update may list them in any
    /// order) and must have the first update's shapes; the result lists them in the first
    /// update's order. Its metadata is the entries on which all updates agree.
    public static func average(_ updates: [(weights: ModelWeights, samples: Int)]) throws -> ModelWeights {
        try average(updates, config: .default)
    }

    static func average(_ updates: [(weights: ModelWeights, samples: Int)], config: Config) throws -> ModelWeights {
        let w = try weights(samples: updates.map(\.samples))
        let reference = updates[0].weights
        // For each participant, the index of each of the reference's tensors in its list.
        var positions: [[Int]] = []
        positions.reserveCapacity(updates.count)
        for (p, update) in updates.enumerated() {
            var index: [String: Int] = [:]
            for (i, (name, tensor)) in update.weights.tensors.enumerated() {
                guard index.updateValue(i, forKey: name) == nil else {
                    throw FedAvgError(.invalidUpdate, participant: p, tensor: name, "participant \(p) lists tensor '\(name)' more than once")
                }
                guard tensor.shape.allSatisfy({ $0 >= 0 }), SafeTensors.checkedProduct(tensor.shape) == tensor.values.count else {
                    throw FedAvgError(.invalidUpdate, participant: p, tensor: name,
                                      "participant \(p): tensor '\(name)' has shape \(tensor.shape) but \(tensor.values.count) values")
                }
            }
            var row: [Int] = []
            row.reserveCapacity(reference.tensors.count)
            for (name, tensor) in reference.tensors {
                guard let i = index[name] else {
                    throw FedAvgError(.tensorNamesMismatch, participant: p, tensor: name, "participant \(p) has no tensor '\(name)' (participant 0 has)")
                }
                let shape = update.weights.tensors[i].tensor.shape
                guard shape == tensor.shape else {
                    throw FedAvgError(.shapeMismatch, participant: p, tensor: name,
                                      "participant \(p): tensor '\(name)' has shape \(shape) but participant 0 has \(tensor.shape)")
                }
                row.append(i)
            }
            if update.weights.tensors.count != reference.tensors.count,
               let extra = update.weights.tensors.first(where: { reference[$0.name] == nil }) {
                throw FedAvgError(.tensorNamesMismatch, participant: p, tensor: extra.name,
                                  "participant \(p) has tensor '\(extra.name)' that participant 0 lacks")
            }
            positions.append(row)
        }

        var tensors: [(name: String, tensor: Tensor)] = []
        tensors.reserveCapacity(reference.tensors.count)
        for (t, (name, tensor)) in reference.tensors.enumerated() {
            let count = tensor.values.count
            let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
                if count > 0 {
                    sumArrays(updates.indices.map { updates[$0].weights.tensors[positions[$0][t]].tensor.values },
                              weights: w, count: count, into: out.baseAddress!, config: config)
                }
                initialized = count
            }
            tensors.append((name, Tensor(shape: tensor.shape, values: values)))
        }
        var metadata = reference.metadata
        for update in updates.dropFirst() {
            metadata = metadata.filter { update.weights.metadata[$0.key] == $0.value }
        }
        return ModelWeights(tensors: tensors, metadata: metadata)
    }

    // MARK: Kernel

    /// Pins `arrays` `config.group` at a time (nested `withUnsafeBufferPointer`, so the stack
    /// depth stays bounded) and folds each group into `out`.
    private static func sumArrays(_ arrays: [[Float]], weights: [Float], count: Int,
                                  into out: UnsafeMutablePointer<Float>, config: Config) {
        var start = 0
        while start < arrays.count {
            let end = min(start + max(config.group, 1), arrays.count)
            var pointers: [UnsafePointer<Float>] = []
            pointers.reserveCapacity(end - start)
            func pin(_ i: Int) {
                if i == end {
                    pointers.withUnsafeBufferPointer { inputs in
                        weights[start..<end].withUnsafeBufferPointer { w in
                            weightedSum(inputs: inputs, weights: w, count: count, into: out, accumulate: start > 0, config: config)
                        }
                    }
                    return
                }
                arrays[i].withUnsafeBufferPointer { buffer in
                    pointers.append(buffer.baseAddress!)
                    pin(i + 1)
                }
            }
            pin(start)
            start = end
        }
    }

    /// `out[j] = (((out[j]?) + w₀·x₀[j]) + w₁·x₁[j]) + …` for j in 0..<count, where the
    /// leading `out[j]` is there only when `accumulate`.
    static func weightedSum(inputs: UnsafeBufferPointer<UnsafePointer<Float>>, weights: UnsafeBufferPointer<Float>,
                            count: Int, into out: UnsafeMutablePointer<Float>, accumulate: Bool, config: Config) {
        precondition(inputs.count == weights.count && !inputs.isEmpty)
        let chunk = max(config.chunkSize, config.blockSize, 64)
        let chunks = (count + chunk - 1) / chunk
        let work = inputs.count.multipliedReportingOverflow(by: count)
        if config.threads <= 1 || chunks <= 1 || (!work.overflow && work.partialValue < config.parallelThreshold) {
            foldBlocks(inputs, weights, out, 0..<count, accumulate: accumulate, blockSize: config.blockSize)
            return
        }
        // Dynamic scheduling over many chunks, so a core busy with something else does not hold
        // the others back. The pointers are only read; chunks write disjoint output ranges.
        nonisolated(unsafe) let out = out
        nonisolated(unsafe) let inputs = inputs
        nonisolated(unsafe) let weights = weights
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let range = (c * chunk)..<min((c + 1) * chunk, count)
            foldBlocks(inputs, weights, out, range, accumulate: accumulate, blockSize: config.blockSize)
        }
    }

    private static func foldBlocks(_ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ weights: UnsafeBufferPointer<Float>,
                                   _ out: UnsafeMutablePointer<Float>, _ range: Range<Int>, accumulate: Bool, blockSize: Int) {
        let n = inputs.count
        let block = max(blockSize, 16)
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start + block, range.upperBound)
            var i = 0
            var add = accumulate
            while i < n {
                let x = inputs.baseAddress! + i
                let w = weights.baseAddress! + i
                switch n - i {
                case 1:
                    if add { fold1(out, x[0], w[0], start, end) } else { set1(out, x[0], w[0], start, end) }
                    i += 1
                case 2:
                    if add { fold2(out, x[0], w[0], x[1], w[1], start, end) } else { set2(out, x[0], w[0], x[1], w[1], start, end) }
                    i += 2
                case 3:
                    if add {
                        fold3(out, x[0], w[0], x[1], w[1], x[2], w[2], start, end)
                    } else {
                        set3(out, x[0], w[0], x[1], w[1], x[2], w[2], start, end)
                    }
                    i += 3
                default:
                    if add {
                        fold4(out, x[0], w[0], x[1], w[1], x[2], w[2], x[3], w[3], start, end)
                    } else {
                        set4(out, x[0], w[0], x[1], w[1], x[2], w[2], x[3], w[3], start, end)
                    }
                    i += 4
                }
                add = true
            }
            start = end
        }
    }

    // Straight loops over raw pointers: no bounds checks, no aliasing between loads and the
    // store that matters to the vectoriser (it versions the loop on overlap), so -O turns each
    // into packed SIMD multiplies and adds. The left-to-right order is part of the contract.

    @inline(__always)
    private static func set1(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ wa: Float, _ s: Int, _ e: Int) {
        for j in s..<e { o[j] = wa * a[j] }
    }
    @inline(__always)
    private static func fold1(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ wa: Float, _ s: Int, _ e: Int) {
        for j in s..<e { o[j] = o[j] + wa * a[j] }
    }
    @inline(__always)
    private static func set2(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ wa: Float,
                             _ b: UnsafePointer<Float>, _ wb: Float, _ s: Int, _ e: Int) {
        for j in s..<e { o[j] = wa * a[j] + wb * b[j] }
    }
    @inline(__always)
    private static func fold2(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ wa: Float,
                              _ b: UnsafePointer<Float>, _ wb: Float, _ s: Int, _ e: Int) {
        for j in s..<e { o[j] = (o[j] + wa * a[j]) + wb * b[j] }
    }
    @inline(__always)
    private static func set3(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ wa: Float,
                             _ b: UnsafePointer<Float>, _ wb: Float, _ c: UnsafePointer<Float>, _ wc: Float, _ s: Int, _ e: Int) {
        for j in s..<e { o[j] = (wa * a[j] + wb * b[j]) + wc * c[j] }
    }
    @inline(__always)
    private static func fold3(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ wa: Float,
                              _ b: UnsafePointer<Float>, _ wb: Float, _ c: UnsafePointer<Float>, _ wc: Float, _ s: Int, _ e: Int) {
        for j in s..<e { o[j] = ((o[j] + wa * a[j]) + wb * b[j]) + wc * c[j] }
    }
    @inline(__always)
    private static func set4(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ wa: Float,
                             _ b: UnsafePointer<Float>, _ wb: Float, _ c: UnsafePointer<Float>, _ wc: Float,
                             _ d: UnsafePointer<Float>, _ wd: Float, _ s: Int, _ e: Int) {
        for j in s..<e { o[j] = ((wa * a[j] + wb * b[j]) + wc * c[j]) + wd * d[j] }
    }
    @inline(__always)
    private static func fold4(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ wa: Float,
                              _ b: UnsafePointer<Float>, _ wb: Float, _ c: UnsafePointer<Float>, _ wc: Float,
                              _ d: UnsafePointer<Float>, _ wd: Float, _ s: Int, _ e: Int) {
        for j in s..<e { o[j] = (((o[j] + wa * a[j]) + wb * b[j]) + wc * c[j]) + wd * d[j] }
    }
}
