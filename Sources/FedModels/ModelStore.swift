import FedDigest
import Foundation

/// Global models as files named by their SHA-256, under the federation's state directory:
/// `<root>/<first two hex digits>/<sha256>.safetensors`. The same model is stored once; a read
/// checks the bytes still hash to their name.
public struct ModelStore: Sendable {
    public let root: URL
    /// The id of the array last stored: a run stores each round's new model, then stores it again
    /// as the model that entered the next round, and this saves hashing it twice.
    private let last = LastStored()

    public init(root: URL) { self.root = root }

    /// The last stored array and its id. The array is retained, so its storage cannot be freed
    /// and reused while it is here: the same storage (address and count) is the same bytes, since
    /// a shared array's storage is never written (copy on write).
    private final class LastStored: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes: [UInt8] = []
        private var id: String?

        func id(of candidate: [UInt8]) -> String? {
            lock.lock()
            defer { lock.unlock() }
            guard let id, !candidate.isEmpty, candidate.count == bytes.count else { return nil }
            let same = candidate.withUnsafeBufferPointer { c in bytes.withUnsafeBufferPointer { $0.baseAddress == c.baseAddress } }
            return same ? id : nil
        }

        func remember(_ candidate: [UInt8], id: String) {
            lock.lock()
            defer { lock.unlock() }
            bytes = candidate
            self.id = id
        }
    }

    public struct Corrupted: Error, CustomStringConvertible, Equatable {
        public var id: String
        public var path: String
        public var actual: String
        public var description: String {
            "model \(id) at \(path) is damaged: its bytes hash to \(actual); pull it from another copy or re-run the round"
        }
    }

    public func path(of id: String) -> URL {
        root.appendingPathComponent(String(id.prefix(2))).appendingPathComponent("\(id).safetensors")
    }

    /// Stores `bytes`; returns their SHA-256 (hex), the model's id.
    @discardableResult
    public func put(_ bytes: [UInt8]) throws -> String {
        let id = last.id(of: bytes) ?? SHA256.hex(bytes)
        last.remember(bytes, id: id)
        let url = path(of: id)
        if FileManager.default.fileExists(atPath: url.path) { return id }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(id).tmp")
        try Self.write(bytes, to: tmp.path)
        guard rename(tmp.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
        return id
    }

    /// Writes the array's bytes as they lie (no `Data` copy of a model first).
    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
                }
                done += n
            }
        }
    }

    /// The file's bytes read straight into the array (no `Data` copy of a model first).
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let size = Int(st.st_size)
        return try [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            while done < size {
                let n = Foundation.read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path]) }
                done += n
            }
            count = size
        }
    }

    public func contains(_ id: String) -> Bool { FileManager.default.fileExists(atPath: path(of: id).path) }

    /// The model's bytes, verified against its id.
    public func get(_ id: String) throws -> [UInt8] {
        let url = path(of: id)
        let bytes = try Self.read(url.path)
        let actual = SHA256.hex(bytes)
        guard actual == id else { throw Corrupted(id: id, path: url.path, actual: actual) }
        return bytes
    }
}
