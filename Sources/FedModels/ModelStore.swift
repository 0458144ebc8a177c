import FedDigest
import Foundation

/// Global models as files named by their SHA-256, under the federation's state directory:
/// `<root>/<first two hex digits>/<sha256>.safetensors`. The same model is stored once; a read
/// checks the bytes still hash to their name.
public struct ModelStore: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

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
        let id = SHA256.hex(bytes)
        let url = path(of: id)
        if FileManager.default.fileExists(atPath: url.path) { return id }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(id).tmp")
        try Data(bytes).write(to: tmp)
        guard rename(tmp.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
        return id
    }

    public func contains(_ id: String) -> Bool { FileManager.default.fileExists(atPath: path(of: id).path) }

    /// The model's bytes, verified against its id.
    public func get(_ id: String) throws -> [UInt8] {
        let url = path(of: id)
        let bytes = [UInt8](try Data(contentsOf: url))
        let actual = SHA256.hex(bytes)
        guard actual == id else { throw Corrupted(id: id, path: url.path, actual: actual) }
        return bytes
    }
}
