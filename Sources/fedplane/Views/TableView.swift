/// A plain-text table: a header row, then data rows. Columns whose data cells are all numbers
/// (or `-` for none) are right-aligned, header included, so each header sits over its digits.
enum TableView {
    static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let columns = header.indices
        let widths = columns.map { c in rows.map { TerminalText.escape($0[c]).count }.max() ?? 0 }
        let numeric = columns.map { c in
            let cells = rows.dropFirst().map { $0[c] }
            return !cells.isEmpty && cells.allSatisfy(isNumber)
        }
        return rows.map { row in
            columns.map { i in
                let cell = TerminalText.escape(row[i])
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric[i] ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n") + "\n"
    }

    /// `12`, `0.8435`, `-3.5`, `1,234`, `+9.2%`, or `-` (no value).
    static func isNumber(_ s: String) -> Bool {
        if s == "-" { return true }
        guard s.contains(where: \.isNumber) else { return false }
        return s.allSatisfy { $0.isNumber || ".,-+%".contains($0) }
    }
}

import FedSpec

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
