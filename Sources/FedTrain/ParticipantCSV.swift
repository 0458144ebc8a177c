import Foundation

/// A participant's own data: a CSV file on its host with a header row, a label column (named in
/// the spec, default `label`) and numeric feature columns. Labels are the spec's class names
/// (`training.classes`) or their 0-based indices. Read on the participant's host only.
public enum ParticipantCSV {
    public static func read(path: String, label: String, classes: [String], features: Int) throws -> Dataset {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DatasetError.invalid("cannot read the participant's data \(path): \((error as NSError).localizedDescription)")
        }
        var lines = text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r\n" }
        guard !lines.isEmpty else { throw DatasetError.csv(line: 1, "\(path) is empty") }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let labelColumn = header.firstIndex(of: label) else {
            throw DatasetError.csv(line: 1, "\(path) has no column \"\(label)\" (the label column; columns: \(header.joined(separator: ", ")))")
        }
        let featureNames = header.enumerated().filter { $0.offset != labelColumn }.map(\.element)
        guard features == 0 || featureNames.count == features else {
            throw DatasetError.csv(line: 1, "\(path) has \(featureNames.count) feature columns; the spec's training.features is \(features)")
        }
        let index = Dictionary(classes.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var f = [Float](), y = [Int]()
        f.reserveCapacity(lines.count * features)
        for (k, line) in lines.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == header.count else {
                throw DatasetError.csv(line: k + 2, "\(cells.count) cells, expected \(header.count)")
            }
            for (j, c) in cells.enumerated() {
                let cell = c.trimmingCharacters(in: .whitespaces)
                if j == labelColumn {
                    if let i = index[cell] { y.append(i) } else if let i = Int(cell), classes.indices.contains(i) { y.append(i) } else {
                        throw DatasetError.csv(line: k + 2, "label \"\(cell)\" is not one of training.classes (\(classes.joined(separator: ", ")))")
                    }
                } else {
                    guard let v = Float(cell), v.isFinite else { throw DatasetError.csv(line: k + 2, "column \(header[j]): not a number: \(cell)") }
                    f.append(v)
                }
            }
        }
        return try Dataset(features: f, labels: y, featureNames: featureNames, classNames: classes)
    }

    /// The participant's train/validation split, made on its host (seeded, stratified) and
    /// scaled with statistics of its own training rows.
    public static func split(_ data: Dataset, seed: UInt64) throws -> ParticipantData {
        try FederatedSplit(participants: 1, seed: seed, minimumSamples: 2, scaling: .localStandardization).participant(0, of: data)
    }
}
