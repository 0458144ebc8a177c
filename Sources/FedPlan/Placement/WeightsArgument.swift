import Foundation
import FedSpec

/// A malformed `--weights` value; the message says which forms are accepted.
public struct WeightsArgumentError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension Weights {
    /// The forms accepted on the command line:
    /// - the ratio papers print, cost first: `9:1`, `0.9:0.1`, `1:1`;
    /// - named: `cost=0.9,latency=0.1` (in any order; one left out is 0), also `carbon=` and `egress=`
    ///   for specs that list those objectives.
    /// Numbers are finite and non-negative, at least one is above 0; the result is normalised.
    public init(argument text: String) throws {
        let usage = "expected cost:latency (e.g. 9:1) or cost=N,latency=N (e.g. cost=0.9,latency=0.1) with non-negative numbers"
        func number(_ s: Substring, _ what: String) throws -> Double {
            let t = s.trimmingCharacters(in: .whitespaces)
            guard let v = Double(t), v.isFinite, v >= 0, !t.hasPrefix("+") else {
                throw WeightsArgumentError(message: "--weights: \(what) \"\(t)\" is not a non-negative number; \(usage), got \"\(text)\"")
            }
            return v
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var cost = 0.0, latency = 0.0, carbon = 0.0, egress = 0.0
        var named = Set<String>()
        if trimmed.contains(":") {
            let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !trimmed.contains("=") && !trimmed.contains(",") else {
                throw WeightsArgumentError(message: "--weights: \(usage), got \"\(text)\"")
            }
            cost = try number(parts[0], "cost weight")
            latency = try number(parts[1], "latency weight")
        } else {
            guard !trimmed.isEmpty else { throw WeightsArgumentError(message: "--weights: \(usage), got \"\(text)\"") }
            var seen = Set<String>()
            for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
                let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard kv.count == 2 else { throw WeightsArgumentError(message: "--weights: \(usage), got \"\(text)\"") }
                let key = kv[0].trimmingCharacters(in: .whitespaces)
                guard let objective = PlacementObjective(rawValue: key) else {
                    throw WeightsArgumentError(message: "--weights: unknown objective \"\(key)\"; the objectives are cost, latency, carbon and egress")
                }
                guard seen.insert(key).inserted else { throw WeightsArgumentError(message: "--weights: \(key) is given twice in \"\(text)\"") }
                let v = try number(kv[1], "\(key) weight")
                named.insert(key)
                switch objective {
                case .cost: cost = v
                case .latency: latency = v
                case .carbon: carbon = v
                case .egress: egress = v
                }
            }
        }
        if named.contains("carbon") || named.contains("egress") {
            guard let w = Weights(cost: cost, latency: latency, carbon: carbon, egress: egress) else {
                throw WeightsArgumentError(message: "--weights: at least one weight must be greater than 0")
            }
            self = w
            return
        }
        guard let w = Weights(cost: cost, latency: latency) else {
            throw WeightsArgumentError(message: "--weights: at least one weight must be greater than 0")
        }
        self = w
    }
}
