/// Aggregation rules that limit what one participant's update can do to the global model:
/// coordinate-wise median, coordinate-wise trimmed mean, and update-norm clipping. None is on by
/// default (the runtime averages with FedAvg); they bound a harmful but finite update's weight,
/// they do not detect it.
public enum RobustAggregation {
    /// Per coordinate, the median of the updates' values (the mean of the two middle ones for an
    /// even count). Sample counts are ignored: every participant has one vote.
    public static func median(_ updates: [ModelWeights]) throws -> ModelWeights {
        try coordinatewise(updates) { column in
            let n = column.count
            return n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2
        }
    }

    /// Per coordinate, the mean after dropping the `trim` fraction (0 ≤ trim < 0.5) of the
    /// smallest and of the largest values.
    public static func trimmedMean(_ updates: [ModelWeights], trim: Double) throws -> ModelWeights {
        guard trim >= 0, trim < 0.5 else { throw FedAvgError(.invalidUpdate, "trim \(trim) must be in [0, 0.5)") }
        let k = Int((Double(updates.count) * trim).rounded(.down))
        return try coordinatewise(updates) { column in
            let kept = column[k..<(column.count - k)]
            return Float(kept.reduce(0.0) { $0 + Double($1) } / Double(kept.count))
        }
    }

    /// `update` moved towards `global` so that its change has an L2 norm of at most `maxNorm`
    /// (over all tensors); an update within the bound is returned as it is.
    public static func clipped(_ update: ModelWeights, global: ModelWeights, maxNorm: Double) throws -> ModelWeights {
        guard maxNorm > 0 else { throw FedAvgError(.invalidUpdate, "maxNorm \(maxNorm) must be positive") }
        var squared = 0.0
        for (name, t) in update.tensors {
            guard let g = global[name], g.shape == t.shape else {
                throw FedAvgError(.shapeMismatch, tensor: name, "tensor '\(name)' is not in the global model with shape \(t.shape)")
            }
            for i in t.values.indices { let d = Double(t.values[i]) - Double(g.values[i]); squared += d * d }
        }
        let norm = squared.squareRoot()
        guard norm > maxNorm else { return update }
        let scale = maxNorm / norm
        var out = update
        for j in out.tensors.indices {
            let g = global[out.tensors[j].name]!
            out.tensors[j].tensor.values = zip(out.tensors[j].tensor.values, g.values).map { u, g in
                Float(Double(g) + (Double(u) - Double(g)) * scale)
            }
        }
        return out
    }

    /// Applies `combine` to each coordinate's sorted values across the updates, which must share
    /// the first update's tensor names and shapes.
    static func coordinatewise(_ updates: [ModelWeights], _ combine: (ArraySlice<Float>) -> Float) throws -> ModelWeights {
        guard let first = updates.first else { throw FedAvgError(.noUpdates, "no updates to aggregate") }
        var out = first
        for j in first.tensors.indices {
            let (name, tensor) = first.tensors[j]
            var columns: [[Float]] = []
            for (p, u) in updates.enumerated() {
                guard let t = u[name], t.shape == tensor.shape else {
                    throw FedAvgError(.shapeMismatch, participant: p, tensor: name, "participant \(p) has no tensor '\(name)' of shape \(tensor.shape)")
                }
                columns.append(t.values)
            }
            var values = [Float](repeating: 0, count: tensor.count)
            var column = [Float](repeating: 0, count: updates.count)
            for i in 0..<tensor.count {
                for p in columns.indices { column[p] = columns[p][i] }
                column.sort()
                values[i] = combine(column[...])
            }
            out.tensors[j].tensor.values = values
        }
        out.metadata = [:]
        return out
    }
}
