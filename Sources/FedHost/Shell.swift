/// Quoting for the POSIX shell scripts fedplane runs on hosts.
public enum Shell {
    /// `s` as one single-quoted word: safe for any bytes but NUL.
    public static func quote(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || "-_./=:@%+,".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A command line of quoted words.
    public static func command(_ argv: [String]) -> String { argv.map(quote).joined(separator: " ") }
}
