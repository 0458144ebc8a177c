import FedSpec
import Foundation

/// Prints diagnostics as `file:line:col: path: message` lines (stderr) or as a JSON array (stdout).
enum DiagnosticsView {
    static func printHuman(_ diagnostics: [Diagnostic]) {
        for d in diagnostics { Console.stderr(d.rendered) }
    }

    static func json(_ diagnostics: [Diagnostic]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(diagnostics)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

enum Console {
    static func stderr(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
