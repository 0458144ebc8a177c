import Foundation
#if canImport(Glibc)
import Glibc
#endif

private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// A file a flag tells fedplane to write (`models pull -o`, `plan --out`, `--svg`): the one rule
/// every such flag follows.
///
/// - `-` is standard output.
/// - A new or regular file is written atomically: a temporary file in the same directory, then a
///   rename, so a failed write never leaves half a file and an existing file keeps its mode.
/// - A device, FIFO or socket is never replaced: fedplane writes into it (`-o /dev/full` fails
///   with "no space left on device" and the device stays a device).
/// - A symbolic link is never replaced: fedplane writes where it points (atomically when that is
///   a regular file).
/// - A directory or a missing parent directory is a plain error.
struct OutputFile {
    let path: String
    /// The mode of a regular file this write creates or replaces; nil keeps an existing file's
    /// mode and creates new ones 0644. Saved plans pass 0600: they stay private whatever was there.
    let newFileMode: mode_t?

    init(_ path: String, newFileMode: mode_t? = nil) {
        self.path = path
        self.newFileMode = newFileMode
    }

    /// What a write reached: whether that was this process's standard output (then status
    /// messages belong on stderr, not mixed into the data).
    struct Written {
        var toStandardOutput: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { path == "-" ? "cannot write to standard output: \(reason)" : "cannot write \(path): \(reason)" }
    }

    @discardableResult
    func write(_ text: String) throws -> Written { try write(Array(text.utf8)) }

    @discardableResult
    func write(_ data: Data) throws -> Written { try write([UInt8](data)) }

    @discardableResult
    func write(_ bytes: [UInt8]) throws -> Written {
        if path == "-" {
            try Self.writeAll(STDOUT_FILENO, bytes, path: path)
            return Written(toStandardOutput: true)
        }
        guard !path.isEmpty else { throw Failure(path: path, reason: "the file name is empty") }
        var st = stat()
        if lstat(path, &st) != 0 {
            let e = errno
            guard e == ENOENT else { throw Failure(path: path, reason: Self.reason(e)) }
            try checkParent()
            try atomicWrite(path, bytes, mode: newFileMode)
            return Written(toStandardOutput: false)
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            throw Failure(path: path, reason: "it is a directory; name a file in it, e.g. \(path.hasSuffix("/") ? path : path + "/")FILE")
        case S_IFREG:
            try atomicWrite(path, bytes, mode: newFileMode ?? st.st_mode & 0o7777)
            return Written(toStandardOutput: false)
        case S_IFLNK:
            var target = stat()
            if stat(path, &target) != 0 {
                // A link to nothing: create its target through the link, as a shell's `>` does.
                return try writeInto(bytes, flags: O_CREAT | O_TRUNC)
            }
            switch target.st_mode & S_IFMT {
            case S_IFDIR:
                throw Failure(path: path, reason: "it links to a directory; name a file in it")
            case S_IFREG:
                guard let resolved = realpath(path, nil) else { throw Failure(path: path, reason: Self.reason(errno)) }
                defer { free(resolved) }
                try atomicWrite(String(cString: resolved), bytes, mode: newFileMode ?? target.st_mode & 0o7777)
                return Written(toStandardOutput: false)
            default:
                return try writeInto(bytes, flags: 0)
            }
        default:
            // A device, FIFO or socket: write into it, never replace it.
            return try writeInto(bytes, flags: 0)
        }
    }

    /// Opens the existing thing at `path` (following links) and writes into it.
    private func writeInto(_ bytes: [UInt8], flags: Int32) throws -> Written {
        let fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0o644)
        guard fd >= 0 else { throw Failure(path: path, reason: Self.reason(errno)) }
        defer { close(fd) }
        var mine = stat(), out = stat()
        let toStdout = fstat(fd, &mine) == 0 && fstat(STDOUT_FILENO, &out) == 0
            && mine.st_dev == out.st_dev && mine.st_ino == out.st_ino && (mine.st_mode & S_IFMT) != S_IFREG
        try Self.writeAll(fd, bytes, path: path)
        return Written(toStandardOutput: toStdout)
    }

    private func checkParent() throws {
        let parent = (path as NSString).deletingLastPathComponent
        let dir = parent.isEmpty ? "." : parent
        var st = stat()
        guard stat(dir, &st) == 0 else {
            let e = errno
            throw Failure(path: path, reason: e == ENOENT ? "the directory \(dir) does not exist" : "\(dir): \(Self.reason(e))")
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw Failure(path: path, reason: "\(dir) is not a directory") }
    }

    /// Temporary file in the target's directory, fsync, rename over the target.
    private func atomicWrite(_ target: String, _ bytes: [UInt8], mode: mode_t?) throws {
        let dir = (target as NSString).deletingLastPathComponent
        let base = (target as NSString).lastPathComponent
        let temp = (dir.isEmpty ? "" : dir + "/") + ".\(base).fedplane-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode ?? 0o644)
        guard fd >= 0 else { throw Failure(path: path, reason: Self.reason(errno)) }
        var done = false
        defer { if !done { unlink(temp) } }
        do {
            defer { close(fd) }
            if let mode { fchmod(fd, mode) }
            try Self.writeAll(fd, bytes, path: path)
            guard fsync(fd) == 0 else { throw Failure(path: path, reason: Self.reason(errno)) }
        }
        guard rename(temp, target) == 0 else { throw Failure(path: path, reason: Self.reason(errno)) }
        done = true
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: reason(errno))
            }
            offset += n
        }
    }

    /// The system's reason, as a sentence fragment: "no space left on device".
    static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
