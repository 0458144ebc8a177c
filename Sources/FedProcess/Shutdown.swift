import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A request to stop this fedplane process early (SIGINT, SIGTERM): once made, no new child
/// starts, running work stops at its next safe point, and the command ends with a summary.
public enum Shutdown {
    private static let mutex = NSLock()
    nonisolated(unsafe) private static var signalNumber: Int32?
    nonisolated(unsafe) private static var count = 0

    /// The signal that asked for the stop, if one did.
    public static var signal: Int32? { mutex.withLock { signalNumber } }

    /// Whether a second signal asked to stop at once.
    public static var isUrgent: Bool { mutex.withLock { count > 1 } }

    /// Why nothing new may start, when a stop was requested.
    public static var reason: String? { signal.map { "stopping on \(name($0))" } }

    /// Records a request; returns how many have arrived.
    @discardableResult
    public static func request(_ sig: Int32) -> Int {
        mutex.withLock {
            if signalNumber == nil { signalNumber = sig }
            count += 1
            return count
        }
    }

    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(sig)"
        }
    }

    /// The exit status a shell expects after `sig`: 128 + sig.
    public static func exitStatus(_ sig: Int32) -> Int32 { 128 + sig }
}

/// Catches SIGINT and SIGTERM for the life of a command. The first signal records a
/// `Shutdown` request and calls `first` (stop children gracefully); the second calls `second`
/// (stop at once). Children start with default dispositions (`ChildProcess`), so ignoring the
/// signals here for the dispatch sources does not leak into them.
public final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "fedplane.signals")

    public init(signals: [Int32] = [SIGINT, SIGTERM], first: @escaping @Sendable (Int32) -> Void,
                second: @escaping @Sendable (Int32) -> Void) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if Shutdown.request(sig) == 1 { first(sig) } else { second(sig) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default dispositions.
    public func remove() {
        for s in sources {
            s.cancel()
            signal(Int32(s.handle), SIG_DFL)
        }
        sources = []
    }
}
