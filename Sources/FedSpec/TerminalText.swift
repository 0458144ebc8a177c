/// Text from a spec, a file or a flag made safe for a terminal: control characters (newline, ESC,
/// NUL, DEL, C1) and bidirectional overrides (U+202E …) are shown as escapes such as `\n`,
/// `\u{1B}` or `\u{202E}` instead of reaching the terminal raw. JSON output does not need this:
/// its encoder escapes what JSON requires and keeps the value exact.
public enum TerminalText {
    public static func escape(_ text: String, keepNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, keepNewlines: keepNewlines) }) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            guard needsEscape(u, keepNewlines: keepNewlines) else { out.unicodeScalars.append(u); continue }
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default: out += "\\u{\(String(u.value, radix: 16, uppercase: true))}"
            }
        }
        return out
    }

    static func needsEscape(_ u: Unicode.Scalar, keepNewlines: Bool) -> Bool {
        switch u.value {
        case 0x0A: return !keepNewlines
        case 0x00...0x1F, 0x7F...0x9F: return true
        // Bidirectional embeddings, overrides and isolates, and the invisible marks.
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
