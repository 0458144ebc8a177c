import FedSpec
import Foundation

/// The files and arguments fedplane hands to Flower (flwr 1.42): the CLI's SuperLink connection
/// ($FLWR_HOME/config.toml), the run config (a TOML file for `flwr run --run-config`) and each
/// SuperNode's `--node-config`.
public enum FlowerConfig {
    /// `[superlink.NAME]` with the SuperLink's address and its CA (or `insecure` without TLS).
    public static func connection(federation: String, address: String, rootCertificates: String?) -> String {
        var s = "[superlink]\ndefault = \(string(federation))\n\n[superlink.\(key(federation))]\naddress = \(string(address))\n"
        if let ca = rootCertificates { s += "root-certificates = \(string(ca))\n" } else { s += "insecure = true\n" }
        return s
    }

    /// The spec's run config plus fedplane's keys (only those the app declares: Flower refuses
    /// an override of a key the app does not have).
    public static func runConfig(_ entries: [FlowerSpec.RunConfigEntry], metricsPath: String, modelPath: String,
                                 nodes: Int?) -> String {
        var lines = entries.map { "\(key($0.key)) = \(value($0.value))" }
        lines.append("fedplane-metrics-path = \(string(metricsPath))")
        lines.append("fedplane-model-path = \(string(modelPath))")
        if let nodes { lines.append("fedplane-nodes = \(nodes)") }
        return lines.joined(separator: "\n") + "\n"
    }

    public struct Unquotable: Error, CustomStringConvertible {
        public var description: String
    }

    /// `partition-id=i num-partitions=n` and the participant's data path. Flower splits the
    /// argument on spaces outside quotes, so the path goes in a TOML literal string ('…'), which
    /// cannot hold a quote.
    public static func nodeConfig(partition: Int, of count: Int, dataPath: String?) throws(Unquotable) -> String {
        var s = "partition-id=\(partition) num-partitions=\(count)"
        if let dataPath {
            guard !dataPath.contains("'"), !dataPath.contains("\n") else {
                throw Unquotable(description: "the data path \(dataPath) contains a quote or a newline, which Flower's --node-config cannot carry")
            }
            s += " data-path='\(dataPath)'"
        }
        return s
    }

    /// A TOML basic string.
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\u%04X", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// A bare TOML key when it can be one, else a quoted one.
    static func key(_ k: String) -> String {
        !k.isEmpty && k.unicodeScalars.allSatisfy({ ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "-" || $0 == "_" }) ? k : string(k)
    }

    static func value(_ v: FlowerSpec.Value) -> String {
        switch v {
        case .string(let s): return string(s)
        case .integer(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .number(let d):
            let s = String(d)
            return s.contains(".") || s.contains("e") || s.contains("n") ? s : s + ".0"
        }
    }
}
