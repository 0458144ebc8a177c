import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a file named by the spec, a flag or the environment is for; each kind has its own size
/// limit, checked before a byte is read.
public enum ReferencedFileKind: Sendable {
    case spec, catalog, model, credentials, plan

    /// The largest file of this kind fedplane reads.
    public var limit: Int {
        switch self {
        case .spec, .catalog: 8 << 20
        case .model: 1 << 30
        case .credentials: 1 << 20
        case .plan: 64 << 20
        }
    }

    /// How a message names it: "a catalog file may be at most 8 MiB".
    public var noun: String {
        switch self {
        case .spec: "spec"
        case .catalog: "catalog file"
        case .model: "model file"
        case .credentials: "credentials file"
        case .plan: "plan file"
        }
    }
}

/// Why a referenced file cannot be used. The message names the file's type, size or the system's
/// reason, never its contents.
public struct ReferencedFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

/// The one way fedplane reads a file someone else named: it opens without blocking (a FIFO does
/// not hang the process), checks that it is a regular file and that it fits the kind's limit,
/// and only then reads it, never more than the limit.
public enum ReferencedFile {
    /// The file's size after the same checks `read` makes, without reading it.
    public static func check(_ path: String, kind: ReferencedFileKind, limit: Int? = nil) throws(ReferencedFileError) -> Int {
        let fd = try open(path)
        defer { close(fd) }
        return try inspect(fd, path: path, kind: kind, limit: limit ?? kind.limit)
    }

    /// The whole file (or its first `prefix` bytes), after checking its type and size.
    public static func read(_ path: String, kind: ReferencedFileKind, limit: Int? = nil, prefix: Int? = nil) throws(ReferencedFileError) -> [UInt8] {
        let fd = try open(path)
        defer { close(fd) }
        var cap = limit ?? kind.limit
        var size = try inspect(fd, path: path, kind: kind, limit: cap)
        if let prefix { size = min(size, prefix); cap = prefix }
        // Back to blocking reads for a regular file; read at most one byte past the limit in case
        // the file grew since fstat.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        // Read to the end (some files, like those under /proc, report size 0), never more than
        // one byte past the limit.
        var out = [UInt8](repeating: 0, count: min(size, cap) + 1)
        var filled = 0
        while filled <= cap {
            if filled == out.count { out += [UInt8](repeating: 0, count: Swift.min(out.count, cap + 1 - out.count)) }
            let n = out.withUnsafeMutableBytes { buf in posixRead(fd, buf.baseAddress! + filled, buf.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReferencedFileError(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        if filled > cap {
            if prefix != nil { filled = cap } else { throw tooBig(path, kind: kind, size: filled, limit: cap) }
        }
        out.removeSubrange(filled...)
        return out
    }

    private static func open(_ path: String) throws(ReferencedFileError) -> Int32 {
        let fd = posixOpen(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            switch e {
            case ENOENT: throw ReferencedFileError(path: path, reason: "no such file")
            case EACCES: throw ReferencedFileError(path: path, reason: "permission denied")
            case ENOTDIR: throw ReferencedFileError(path: path, reason: "no such file (a part of the path is not a directory)")
            case ENXIO: throw ReferencedFileError(path: path, reason: "is a socket or device, not a regular file")
            default: throw ReferencedFileError(path: path, reason: "cannot be opened: \(String(cString: strerror(e)))")
            }
        }
        return fd
    }

    private static func inspect(_ fd: Int32, path: String, kind: ReferencedFileKind, limit: Int) throws(ReferencedFileError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw ReferencedFileError(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))")
        }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG else {
            throw ReferencedFileError(path: path, reason: "is \(describe(type)), not a regular file; a \(kind.noun) must be a regular file")
        }
        let size = Int(st.st_size)
        if size > limit { throw tooBig(path, kind: kind, size: size, limit: limit) }
        return size
    }

    private static func tooBig(_ path: String, kind: ReferencedFileKind, size: Int, limit: Int) -> ReferencedFileError {
        ReferencedFileError(path: path, reason: "the file is \(ByteCountText.describe(size)); a \(kind.noun) may be at most \(ByteCountText.describe(limit))")
    }

    /// "a directory", "a FIFO (named pipe)", …
    static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }
}

private func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }
private func posixOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
