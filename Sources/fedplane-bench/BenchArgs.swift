import Foundation

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Small shared pieces of the benchmarks: flags, summaries, memory.
enum BenchArgs {
    static func value(_ flag: String, in args: [String]) -> String? {
        guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
        return args[i + 1]
    }

    /// `median X ms (min Y, max Z, n N)`.
    static func summary(_ ms: [Double]) -> String {
        let s = ms.sorted()
        let median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        return String(format: "median %.2f ms (min %.2f, max %.2f, n %d)", median, s.first ?? 0, s.last ?? 0, s.count)
    }

    /// Runs a script through /usr/bin/env and returns its standard output (its standard error
    /// goes to ours, so progress shows while it runs); a non-zero exit throws `failure`.
    static func runPython(_ arguments: [String], failure: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("\(failure) (exit status \(process.terminationStatus))") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs a Python side of a side-by-side benchmark, echoes its output, and returns the
    /// `key=number` fields of its last line starting with `prefix` (e.g. `NUMPY flower_ms=…`).
    static func pythonReport(_ arguments: [String], prefix: String, failure: String) throws -> [String: Double] {
        let output = try runPython(arguments, failure: failure)
        print(output, terminator: "")
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix(prefix + " ") }) else { throw BenchError(failure) }
        var fields: [String: Double] = [:]
        for pair in line.split(separator: " ").dropFirst() {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Double(parts[1]) { fields[String(parts[0])] = value }
        }
        return fields
    }

    static func peakRSSMiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }
}
