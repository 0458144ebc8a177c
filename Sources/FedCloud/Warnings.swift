import Foundation

/// Warnings for stderr, each printed once per process: a provider loads its credentials for
/// every call, and one apply makes many; a host that does not answer is met by every read.
public enum Warnings {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var printed = Set<String>()

    public static func once(_ text: String) {
        let first = lock.withLock { printed.insert(text).inserted }
        if first { FileHandle.standardError.write(Data("warning: \(text)\n".utf8)) }
    }
}
