import Foundation

/// The state and everything beside it is private to its owner: the state directory 0700, the
/// database, its backups, saved plans and keys 0600, created so whatever the umask. Files found
/// wider are reported (not changed: the user may have a reason), as warnings.
public enum PrivateFiles {
    /// Creates `path` (and its parents) as a 0700 directory; an existing one is left as it is.
    public static func makeDirectory(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        chmod(path, 0o700)
    }

    /// Creates an empty 0600 file at `path` unless something is there already (SQLite then opens
    /// it as a new database, and its -wal/-shm files take its mode).
    public static func precreate(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            fchmod(fd, 0o600)
            close(fd)
        }
    }

    /// The permission bits of `path`, nil when it does not exist.
    public static func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o777
    }

    /// Warnings for the state directory and files that others can read or write: the
    /// directory wider than 0700, the database, its WAL/SHM files and backup wider than 0600.
    public static func warnings(statePath: String) -> [String] {
        var out: [String] = []
        let dir = (statePath as NSString).deletingLastPathComponent
        if let m = mode(dir), m & 0o077 != 0 {
            out.append("the state directory \(dir) is \(String(m, radix: 8)), readable by others; fedplane creates it 0700 (chmod 700 \(dir))")
        }
        for file in [statePath, statePath + "-wal", statePath + "-shm", statePath + ".backup"] {
            if let m = mode(file), m & 0o077 != 0 {
                out.append("\(file) is \(String(m, radix: 8)), readable by others; fedplane creates it 0600 (chmod 600 \(file))")
            }
        }
        return out
    }

    /// A warning when the file at `path` (a saved plan, a key) is wider than 0600.
    public static func warning(file path: String) -> String? {
        guard let m = mode(path), m & 0o077 != 0 else { return nil }
        return "\(path) is \(String(m, radix: 8)), readable by others; fedplane creates it 0600 (chmod 600 \(path))"
    }
}
