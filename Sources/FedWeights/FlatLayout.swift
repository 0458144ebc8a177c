/// Where each tensor of a model lives in one flat `[Float]`: the runtime can keep updates flat
/// (one buffer per participant, averaged with `FedAvg.average(_: [(values: [Float], samples: Int)])`)
/// and rebuild `ModelWeights` only at the edges.
public struct FlatLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        /// Range of the tensor's values in the flat buffer.
        public let range: Range<Int>

        public init(name: String, shape: [Int], range: Range<Int>) {
            self.name = name
            self.shape = shape
            self.range = range
        }
    }

    /// Tensors in the model's order, laid end to end.
    public let entries: [Entry]

    /// Total number of floats.
    public var count: Int { entries.last?.range.upperBound ?? 0 }

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// The layout of `weights` (tensors end to end in their order).
    public init(_ weights: ModelWeights) {
        var offset = 0
        entries = weights.tensors.map { name, tensor in
            defer { offset += tensor.values.count }
            return Entry(name: name, shape: tensor.shape, range: offset..<(offset + tensor.values.count))
        }
    }
}

public struct FlatLayoutError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { "FlatLayout: \(message)" }
}

extension ModelWeights {
    /// The values of all tensors end to end, in order.
    public func flattened() -> [Float] {
        let total = parameterCount
        return [Float](unsafeUninitializedCapacity: total) { out, initialized in
            var offset = 0
            for (_, tensor) in tensors {
                tensor.values.withUnsafeBufferPointer { values in
                    if let base = values.baseAddress {
                        (out.baseAddress! + offset).update(from: base, count: values.count)
                    }
                }
                offset += tensor.values.count
            }
            initialized = total
        }
    }

    /// Flat values plus the layout to rebuild the model with `init(flat:layout:metadata:)`.
    public func flattenedWithLayout() -> (values: [Float], layout: FlatLayout) {
        (flattened(), FlatLayout(self))
    }

    /// Rebuilds a model from a flat buffer laid out as `layout`.
    public init(flat values: [Float], layout: FlatLayout, metadata: [String: String] = [:]) throws {
        guard values.count == layout.count else {
            throw FlatLayoutError(message: "the buffer holds \(values.count) values but the layout needs \(layout.count)")
        }
        var tensors: [(name: String, tensor: Tensor)] = []
        tensors.reserveCapacity(layout.entries.count)
        var expected = 0
        for entry in layout.entries {
            guard entry.range.lowerBound == expected, entry.shape.allSatisfy({ $0 >= 0 }),
                  SafeTensors.checkedProduct(entry.shape) == entry.range.count else {
                throw FlatLayoutError(message: "entry '\(entry.name)' (shape \(entry.shape), range \(entry.range)) does not follow the previous one or does not match its shape")
            }
            expected = entry.range.upperBound
            tensors.append((entry.name, Tensor(shape: entry.shape, values: Array(values[entry.range]))))
        }
        self.init(tensors: tensors, metadata: metadata)
    }
}
