import FedTrace
import Foundation
import Testing

/// The benchmark's memory figures come from `Tracer.peakResidentKiB`: it must see this process's
/// own high-water mark grow when memory is touched (VmHWM), and a spawned process must report
/// its own peak, not its parent's (getrusage's ru_maxrss carries the parent's across execve).
@Suite struct PeakMemoryTests {
    /// A field of /proc/self/status in KiB, read by the test on its own.
    static func status(_ field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? -1
    }

    #if os(Linux)
    /// The peak is VmHWM (the high-water mark, which only grows), not the current VmRSS.
    @Test func thePeakIsThisProcesssHighWaterMark() {
        // Touched memory, freed again: the peak stays above what is resident now.
        let bytes = 64 << 20
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        for offset in stride(from: 0, to: bytes, by: 4096) { p.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
        p.deallocate()
        let before = Self.status("VmHWM")
        let peak = Tracer.peakResidentKiB()
        let after = Self.status("VmHWM")
        #expect(before > 0 && before <= peak && peak <= after)
    }
    #endif

    #if os(Linux)
    @Test func aSpawnedProcessDoesNotInheritThePeakOfItsParent() throws {
        // Make this process big, then ask a small child for both measures of its own peak.
        let bytes = 256 << 20
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        defer { p.deallocate() }
        for offset in stride(from: 0, to: bytes, by: 4096) { p.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "grep VmHWM /proc/self/status"]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        let kib = Int(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).dropFirst().first ?? "") ?? -1
        // The shell's own high-water mark: a few MiB, far below the parent's 256 MiB.
        #expect(kib > 0 && kib < 64 << 10, "child VmHWM \(kib) KiB")
    }
    #endif
}
