import Crypto
import Foundation

/// SHA-256, incremental, so a large file can be hashed in chunks. A thin wrapper over
/// swift-crypto's `SHA256` (BoringSSL's SHA-NI/AVX code on Linux, CryptoKit on Apple platforms):
/// fedplane's digests (content addresses, plan checksums, config hashes) stay byte-for-byte what
/// the earlier hand-written implementation produced, ~15× faster on a 27 MB model.
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        // Contiguous inputs ([UInt8], slices, Data) are hashed in place; others are copied once.
        if bytes.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
    }

    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }

    /// Hashes raw memory (a mapped file, a NIO buffer) without copying it.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: buffer)
    }

    public func finalize() -> [UInt8] { Array(hasher.finalize()) }

    public static func digest<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var s = SHA256()
        s.update(bytes)
        return s.finalize()
    }

    /// Lowercase hex of the digest of `bytes`.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        Hex.encode(digest(bytes))
    }

    public static func hex(_ text: String) -> String {
        var s = SHA256()
        s.update(text)
        return Hex.encode(s.finalize())
    }

    /// Lowercase hex of the digest of raw memory.
    public static func hex(_ buffer: UnsafeRawBufferPointer) -> String {
        var s = SHA256()
        s.update(buffer)
        return Hex.encode(s.finalize())
    }

    /// Lowercase hex of the digest of a file's contents, read in 1 MiB chunks (never whole).
    public static func hex(contentsOfFile path: String) throws -> String {
        guard let f = fopen(path, "rb") else { throw DigestFileError(path: path, errno: errno) }
        defer { fclose(f) }
        var s = SHA256()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { chunk.withUnsafeBytes { s.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
            if n < chunk.count {
                if ferror(f) != 0 { throw DigestFileError(path: path, errno: errno) }
                break
            }
        }
        return Hex.encode(s.finalize())
    }
}

/// A file that could not be read for hashing.
public struct DigestFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var errno: Int32
    public var description: String { "cannot read \(path) to hash it: \(String(cString: strerror(errno)))" }
}

public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
