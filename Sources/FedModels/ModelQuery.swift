import FedDigest
import FedState
import Foundation

/// A stored global model with its round's metrics, as `models list` shows it.
public struct ModelEntry: Sendable, Equatable {
    public var id: String
    public var run: Int
    public var round: Int
    public var configHash: String
    public var sizeBytes: Int
    public var created: Date
    public var metrics: [String: Double]

    public init(_ r: ModelRecord) {
        id = r.id
        run = r.run
        round = r.round
        configHash = r.configHash
        sizeBytes = r.sizeBytes
        created = r.created
        var m: [String: Double] = [:]
        if case .object(let o)? = try? JSONValue.parse(r.metrics) {
            for (k, v) in o { if let n = v.numberValue { m[k] = n } }
        }
        metrics = m
    }
}

/// `accuracy>=0.9`: a condition on a metric.
public struct MetricCondition: Sendable, Equatable, CustomStringConvertible {
    public var metric: String
    public var op: String
    public var value: Double

    public static let metrics = ["accuracy", "loss", "precision", "recall", "f1"]

    public init(metric: String, op: String, value: Double) {
        self.metric = metric
        self.op = op
        self.value = value
    }

    /// Parses `metric op number` (ops `>=`, `<=`, `>`, `<`, `==`); several joined by `,` or `and`.
    public static func parse(_ text: String) throws -> [MetricCondition] {
        let parts = text.replacingOccurrences(of: " and ", with: ",").split(separator: ",")
        return try parts.map { raw in
            let t = raw.replacingOccurrences(of: " ", with: "")
            for op in [">=", "<=", "==", ">", "<"] {
                guard let r = t.range(of: op) else { continue }
                let metric = String(t[..<r.lowerBound]), number = String(t[r.upperBound...])
                guard metrics.contains(metric) else {
                    throw QueryError("unknown metric \"\(metric)\" in \"\(raw)\"; metrics are \(metrics.joined(separator: ", "))")
                }
                guard let v = Double(number) else { throw QueryError("expected a number after \(op) in \"\(raw)\"") }
                return MetricCondition(metric: metric, op: op, value: v)
            }
            throw QueryError("expected a condition such as accuracy>=0.9, got \"\(raw)\"")
        }
    }

    public func holds(_ m: [String: Double]) -> Bool {
        guard let x = m[metric] else { return false }
        switch op {
        case ">=": return x >= value
        case "<=": return x <= value
        case ">": return x > value
        case "<": return x < value
        default: return x == value
        }
    }

    public var description: String { "\(metric)\(op)\(value)" }
}

public struct QueryError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Picks the best model: the one with the highest (or, for loss, lowest) metric among those
/// meeting every condition; ties go to the later round, then the later run.
public enum ModelRecommendation {
    public static func best(_ models: [ModelEntry], metric: String, maximise: Bool,
                            conditions: [MetricCondition]) throws -> ModelEntry {
        guard MetricCondition.metrics.contains(metric) else {
            throw QueryError("unknown metric \"\(metric)\"; metrics are \(MetricCondition.metrics.joined(separator: ", "))")
        }
        let eligible = models.filter { m in m.metrics[metric] != nil && conditions.allSatisfy { $0.holds(m.metrics) } }
        guard let best = eligible.max(by: { a, b in
            let (x, y) = (a.metrics[metric]!, b.metrics[metric]!)
            if x != y { return maximise ? x < y : x > y }
            return (a.run, a.round) < (b.run, b.round)
        }) else {
            let why = conditions.isEmpty ? "" : " meeting \(conditions.map(\.description).joined(separator: " and "))"
            throw QueryError(models.isEmpty ? "no models yet: run `fedplane apply` to train" : "no model\(why) among \(models.count)")
        }
        return best
    }
}
