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

    static func peakRSSMiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }
}
