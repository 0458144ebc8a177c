import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Phase timings for the round benchmark (`fedplane-bench rounds`). With `FEDPLANE_TRACE=<dir>` in
/// the environment, every fedplane process (coordinator, aggregator, agents) appends one JSON line
/// per phase to `<dir>/trace-<pid>.jsonl`:
///
///     {"role":"agent","participant":"p1","round":3,"phase":"download","start":…,"end":…,"pid":…,"rssKiB":…,"cpuMs":…}
///
/// `start`/`end` are wall-clock seconds (comparable across processes on one host); `rssKiB` is the
/// process's peak resident set so far, `cpuMs` its CPU time so far. Unset, a span costs one
/// branch on a constant.
public struct Tracer: Sendable {
    public var role: String
    public var participant: String?

    public init(role: String, participant: String? = nil) {
        self.role = role
        self.participant = participant
    }

    /// Whether this process traces (decided once, from the environment at start).
    public static let isOn: Bool = file != nil

    /// The process's trace file, opened on first use (append-only: lines from concurrent writers
    /// of one process never interleave, each is one `write`).
    static let file: Int32? = {
        guard let dir = ProcessInfo.processInfo.environment["FEDPLANE_TRACE"], !dir.isEmpty else { return nil }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fd = open(dir + "/trace-\(getpid()).jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        return fd >= 0 ? fd : nil
    }()

    public static func now() -> Double { Date().timeIntervalSince1970 }

    /// Times `body` as `phase` of `round`.
    @discardableResult
    public func span<T>(_ phase: String, round: Int, _ body: () throws -> T) rethrows -> T {
        guard Self.isOn else { return try body() }
        let start = Self.now()
        defer { record(phase, round: round, start: start, end: Self.now()) }
        return try body()
    }

    @discardableResult
    public func span<T>(_ phase: String, round: Int, _ body: () async throws -> T) async rethrows -> T {
        guard Self.isOn else { return try await body() }
        let start = Self.now()
        defer { record(phase, round: round, start: start, end: Self.now()) }
        return try await body()
    }

    /// Records a phase measured elsewhere (e.g. from a timestamp another process wrote).
    public func record(_ phase: String, round: Int, start: Double, end: Double) {
        guard let fd = Self.file else { return }
        let peak = Self.peakResidentKiB()
        var line = #"{"role":"\#(role)""#
        if let participant { line += #","participant":"\#(participant)""# }
        line += #","round":\#(round),"phase":"\#(phase)","start":\#(String(format: "%.6f", start)),"end":\#(String(format: "%.6f", end))"#
        line += #","pid":\#(getpid()),"rssKiB":\#(peak),"cpuMs":\#(String(format: "%.3f", Self.cpuMilliseconds()))}"# + "\n"
        _ = line.withCString { write(fd, $0, strlen($0)) }
    }

    /// CPU time (user + system) this process has used so far, in ms: the benchmark sums it over
    /// processes per round to see how much of two cores a round needs.
    public static func cpuMilliseconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }

    /// This process's own peak resident set (KiB). On Linux from VmHWM, the high-water mark of
    /// the process's own address space: getrusage's ru_maxrss survives execve, so a process
    /// spawned by a big parent (the coordinator holding models) reports the parent's peak.
    public static func peakResidentKiB() -> Int {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           // "VmHWM:\t  123456 kB"
           let kib = line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap({ Int($0) }) {
            return kib
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss
        #endif
    }

    /// Records a point in time (a zero-length phase), e.g. a process's start.
    public func mark(_ phase: String, round: Int, at time: Double = Tracer.now()) {
        record(phase, round: round, start: time, end: time)
    }
}
