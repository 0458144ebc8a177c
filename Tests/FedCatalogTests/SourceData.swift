import Foundation

/// The CSVs the bundled catalog was generated from (catalog/data), read independently of the
/// generator so the tests compare two paths through the data.
enum SourceData {
    /// The repository root, found from this file's path (symlinks resolved, for throwaway packages).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let dataDir = repoRoot.appendingPathComponent("catalog/data")

    /// Rows as column → value, header excluded.
    static func rows(_ file: String) throws -> [[String: String]] {
        let text = try String(contentsOf: dataDir.appendingPathComponent(file), encoding: .utf8)
        var records = parseCSV(text)
        let header = records.removeFirst()
        return records.filter { $0 != [""] }.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// RFC 4180: quoted fields may hold commas and doubled quotes.
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, iterator = text.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else {
                            quoted = false
                            if next == "," { record.append(field); field = "" } else if next == "\n" || next == "\r\n" {
                                record.append(field); records.append(record); record = []; field = ""
                            } else { field.append(next) }
                        }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                record.append(field); field = ""
            } else if c == "\n" || c == "\r\n" {
                record.append(field); records.append(record); record = []; field = ""
            } else { field.append(c) }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
