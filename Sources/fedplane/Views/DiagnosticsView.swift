import FedSpec
import Foundation

/// Prints diagnostics as `file:line:col: path: message` lines (stderr) or as a JSON array (stdout).
enum DiagnosticsView {
    static func printHuman(_ diagnostics: [Diagnostic]) {
        for d in diagnostics {
            // No spec named and none here: say how to name one.
            if d.file == SpecOptions.defaultFile && d.mark == nil && d.message == "no such file" {
                Console.stderr(d.rendered + "; name a spec with -f PATH (for example -f specs/quickstart.yaml), or write a starter spec here with `fedplane init`")
            } else {
                Console.stderr(d.rendered)
            }
        }
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
