import ArgumentParser
import FedCloud
import FedPlan
import FedSpec
import FedState
import Foundation

extension Hint {
    /// Commands that take `-f`.
    static let specCommands: Set<String> = ["plan", "apply", "destroy", "show", "state", "refresh", "force-unlock", "models", "optimize", "validate", "simulate"]

    /// A library message's backticked hint (`` `fedplane plan` ``) with the spec the user named,
    /// so the suggested command works as copied.
    static func repeatingSpec(in text: String, specPath: String) -> String {
        guard specPath != SpecOptions.defaultFile, text.contains("`fedplane ") else { return text }
        var out = "", rest = Substring(text)
        while let start = rest.range(of: "`fedplane "), let end = rest[start.upperBound...].firstIndex(of: "`") {
            let words = rest[start.upperBound..<end]
            out += rest[..<start.lowerBound] + "`fedplane " + words
            if let first = words.split(separator: " ").first, specCommands.contains(String(first)), !words.contains(" -f ") {
                out += " -f " + shellQuoted(specPath)
            }
            out += "`"
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}

/// Reports any error the library throws the way users need it (positions for spec problems, the
/// resource and API call for provider problems) and maps it to exit code 1.
enum Failure {
    /// Runs a command's body, turning any error into its report and exit code.
    static func reporting<T>(specPath: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw report(error, specPath: specPath) }
    }

    static func report(_ error: Error, specPath: String) -> ExitCode {
        switch error {
        case let d as Diagnostics:
            DiagnosticsView.printHuman(d.sorted)
        case let e as PlanErrors:
            for p in e.errors { Console.stderr(Hint.repeatingSpec(in: p.diagnostic(file: specPath).rendered, specPath: specPath)) }
        case let e as PlanError:
            Console.stderr(Hint.repeatingSpec(in: e.diagnostic(file: specPath).rendered, specPath: specPath))
        case let e as ExitCode:
            return e
        case let e where FoundationErrorText.describe(e) != nil:
            Console.stderr("error: \(TerminalText.escape(FoundationErrorText.describe(e)!, keepNewlines: true))")
        case let e as CustomStringConvertible:
            Console.stderr("error: \(Hint.repeatingSpec(in: TerminalText.escape(e.description, keepNewlines: true), specPath: specPath))")
        default:
            Console.stderr("error: \(TerminalText.escape(error.localizedDescription, keepNewlines: true))")
        }
        return .failure
    }
}

/// A plain message for the user, from the CLI itself.
struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// No state yet: nothing was applied with this spec (or the state is elsewhere).
    static func noState(_ path: String) -> UserError {
        UserError("no state at \(path): nothing was applied yet with this spec; `fedplane apply` creates it (or name another state with --state)")
    }
}

/// A Foundation file error (`Error Domain=NSCocoaErrorDomain Code=260 …`) as a user reads it:
/// `path: no such file`. nil for errors that are not Foundation's.
enum FoundationErrorText {
    static func describe(_ error: Error) -> String? {
        let ns = error as NSError
        let posix: Int32?
        switch ns.domain {
        case NSPOSIXErrorDomain:
            posix = Int32(ns.code)
        case NSCocoaErrorDomain:
            posix = (ns.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? Int32($0.code) : nil }
        default:
            return nil
        }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        let reason: String
        switch (ns.domain, ns.code) {
        case (NSCocoaErrorDomain, CocoaError.fileNoSuchFile.rawValue), (NSCocoaErrorDomain, CocoaError.fileReadNoSuchFile.rawValue):
            reason = "no such file"
        case (NSCocoaErrorDomain, CocoaError.fileReadNoPermission.rawValue), (NSCocoaErrorDomain, CocoaError.fileWriteNoPermission.rawValue):
            reason = "permission denied"
        case (NSCocoaErrorDomain, CocoaError.fileWriteOutOfSpace.rawValue):
            reason = "no space left on device"
        case (NSCocoaErrorDomain, CocoaError.fileWriteVolumeReadOnly.rawValue):
            reason = "read-only file system"
        case (NSCocoaErrorDomain, CocoaError.fileReadCorruptFile.rawValue):
            reason = "not in the expected format"
        case (NSCocoaErrorDomain, CocoaError.fileReadTooLarge.rawValue):
            reason = "the file is too large"
        default:
            if let posix { reason = OutputFile.reason(posix) } else { reason = "the file operation failed (code \(ns.code))" }
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }
}

enum TimeSpanParse {
    static func parse(_ text: String) -> Result<Double, UnitError> {
        TimeSpan.parse(text).map(\.milliseconds)
    }
}

/// Interactive confirmation, as plan/apply tools do it: only "yes" proceeds, and without a
/// terminal the command refuses unless --auto-approve was given.
enum Confirmation {
    static func ask(_ question: String, command: String, autoApprove: Bool) throws {
        if autoApprove { return }
        guard isatty(STDIN_FILENO) == 1 else {
            Console.stderr("error: \(command) needs confirmation and there is no terminal to ask on; nothing was changed. Re-run with --auto-approve to \(command) without asking.")
            throw ExitCode.failure
        }
        print("\(question)\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", terminator: "")
        guard readLine() == "yes" else {
            Console.stderr("Cancelled: nothing was changed.")
            throw ExitCode.failure
        }
    }
}
