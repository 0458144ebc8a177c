import ArgumentParser
import FedCloud
import FedPlan
import FedSpec
import FedState
import Foundation

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
            for p in e.errors { Console.stderr(p.diagnostic(file: specPath).rendered) }
        case let e as PlanError:
            Console.stderr(e.diagnostic(file: specPath).rendered)
        case let e as ExitCode:
            return e
        case let e as CustomStringConvertible:
            Console.stderr("error: \(e.description)")
        default:
            Console.stderr("error: \(error.localizedDescription)")
        }
        return .failure
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
