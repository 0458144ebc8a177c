import Foundation

/// A labelled tabular data set in float32: `count` rows of `featureCount` features, stored flat
/// and row-major, and one integer label per row in `0..<classCount`.
public struct Dataset: Sendable, Equatable {
    /// Row-major: row `i` is `features[i * featureCount ..< (i + 1) * featureCount]`.
    public private(set) var features: [Float]
    public private(set) var labels: [Int]
    public let featureNames: [String]
    /// Label `k` means `classNames[k]`.
    public let classNames: [String]
    /// A per-feature reference range that every participant can scale with without sharing data
    /// (for WDBC: the published minimum and maximum of each feature); nil when the data set has none.
    public let referenceRange: FeatureRange?

    public var count: Int { labels.count }
    public var featureCount: Int { featureNames.count }
    public var classCount: Int { classNames.count }

    public init(features: [Float], labels: [Int], featureNames: [String], classNames: [String],
                referenceRange: FeatureRange? = nil) throws {
        guard !featureNames.isEmpty else { throw DatasetError.invalid("a data set needs at least one feature") }
        guard classNames.count >= 2 else { throw DatasetError.invalid("a data set needs at least two classes") }
        guard features.count == labels.count * featureNames.count else {
            throw DatasetError.invalid("\(features.count) feature values do not make \(labels.count) rows of \(featureNames.count)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
            throw DatasetError.invalid("row \(bad) has label \(labels[bad]), outside 0..<\(classNames.count)")
        }
        if let bad = features.firstIndex(where: { !$0.isFinite }) {
            throw DatasetError.invalid("row \(bad / featureNames.count) has a non-finite feature value")
        }
        if let r = referenceRange, r.minimum.count != featureNames.count {
            throw DatasetError.invalid("the reference range has \(r.minimum.count) features, the data set \(featureNames.count)")
        }
        self.features = features
        self.labels = labels
        self.featureNames = featureNames
        self.classNames = classNames
        self.referenceRange = referenceRange
    }

    /// From one array per row.
    public init(rows: [[Float]], labels: [Int], featureNames: [String], classNames: [String],
                referenceRange: FeatureRange? = nil) throws {
        if let bad = rows.firstIndex(where: { $0.count != featureNames.count }) {
            throw DatasetError.invalid("row \(bad) has \(rows[bad].count) features, expected \(featureNames.count)")
        }
        try self.init(features: rows.flatMap { $0 }, labels: labels, featureNames: featureNames,
                      classNames: classNames, referenceRange: referenceRange)
    }

    /// Row `i`'s features (a copy, indexed from 0).
    public func row(_ i: Int) -> [Float] {
        Array(features[i * featureCount ..< (i + 1) * featureCount])
    }

    /// One array per row (a copy; the flat `features` is what the trainers use).
    public var rows: [[Float]] { (0..<count).map { row($0) } }

    /// Samples per class, indexed by label.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classCount)
        for y in labels { c[y] += 1 }
        return c
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var f = [Float]()
        f.reserveCapacity(indices.count * featureCount)
        for i in indices { f.append(contentsOf: features[i * featureCount ..< (i + 1) * featureCount]) }
        return Dataset(unchecked: f, labels: indices.map { labels[$0] }, from: self)
    }

    /// The same rows with features replaced (same shape); used by scaling.
    func withFeatures(_ f: [Float]) -> Dataset {
        precondition(f.count == features.count)
        return Dataset(unchecked: f, labels: labels, from: self)
    }

    private init(unchecked features: [Float], labels: [Int], from other: Dataset) {
        self.features = features
        self.labels = labels
        self.featureNames = other.featureNames
        self.classNames = other.classNames
        self.referenceRange = other.referenceRange
    }

    public static func == (a: Dataset, b: Dataset) -> Bool {
        a.features == b.features && a.labels == b.labels && a.featureNames == b.featureNames
            && a.classNames == b.classNames && a.referenceRange == b.referenceRange
    }
}

/// A per-feature closed interval, `minimum[j] < maximum[j]`.
public struct FeatureRange: Sendable, Equatable {
    public let minimum: [Float]
    public let maximum: [Float]

    public init(minimum: [Float], maximum: [Float]) throws {
        guard minimum.count == maximum.count, !minimum.isEmpty else {
            throw DatasetError.invalid("a feature range needs as many minima as maxima (\(minimum.count) and \(maximum.count))")
        }
        if let j = minimum.indices.first(where: { !(minimum[$0] < maximum[$0]) }) {
            throw DatasetError.invalid("feature \(j): range minimum \(minimum[j]) is not below its maximum \(maximum[j])")
        }
        self.minimum = minimum
        self.maximum = maximum
    }
}

public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case csv(line: Int, String)

    public var description: String {
        switch self {
        case .invalid(let m): return "data set: \(m)"
        case .csv(let line, let m): return "CSV line \(line): \(m)"
        }
    }
}

// MARK: - WDBC

extension Dataset {
    /// The Wisconsin Diagnostic Breast Cancer data (UCI, CC BY 4.0; see datasets/wdbc/README.md):
    /// 569 samples, 30 real features, label 0 = malignant (212), 1 = benign (357). Embedded in the
    /// binary and parsed once, on first use. Raw (unscaled) feature values, in the CSV's order.
    public static var wdbc: Dataset { wdbcParsed }

    /// The published per-feature minimum and maximum of WDBC (its description's summary statistics).
    public static var wdbcReferenceRange: FeatureRange { wdbc.referenceRange! }
}

private let wdbcParsed: Dataset = {
    do {
        return try parseWDBC(WDBCData.csv)
    } catch {
        fatalError("the embedded WDBC data does not parse: \(error)")  // a broken generator, caught by the tests
    }
}()

func parseWDBC(_ text: String) throws -> Dataset {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    guard !lines.isEmpty else { throw DatasetError.csv(line: 1, "empty") }
    let header = lines.removeFirst().split(separator: ",")
    guard header.count >= 4, let n = Int(header[0]), let d = Int(header[1]) else {
        throw DatasetError.csv(line: 1, "expected `samples,features,class names…`")
    }
    let classNames = header.dropFirst(2).map(String.init)
    guard classNames == WDBCData.classNames, d == WDBCData.featureNames.count, n == lines.count else {
        throw DatasetError.csv(line: 1, "header does not match the embedded metadata")
    }
    var features = [Float]()
    features.reserveCapacity(n * d)
    var labels = [Int]()
    labels.reserveCapacity(n)
    for (k, line) in lines.enumerated() {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false)
        guard cells.count == d + 1 else { throw DatasetError.csv(line: k + 2, "\(cells.count) cells, expected \(d + 1)") }
        for c in cells.prefix(d) {
            guard let v = Float(c) else { throw DatasetError.csv(line: k + 2, "not a number: \(c)") }
            features.append(v)
        }
        guard let y = Int(cells[d]) else { throw DatasetError.csv(line: k + 2, "not a label: \(cells[d])") }
        labels.append(y)
    }
    return try Dataset(features: features, labels: labels, featureNames: WDBCData.featureNames,
                       classNames: classNames,
                       referenceRange: FeatureRange(minimum: WDBCData.referenceMinimum, maximum: WDBCData.referenceMaximum))
}

// MARK: - The participant CSV files (what the runtime writes for an external trainer)

extension Dataset {
    /// The file format the runtime writes for external trainers (`train.csv`, `validation.csv`):
    /// a header `label,f1,f2,…,fN`, then one row per sample: the integer label, then the N feature
    /// values (already scaled, as the built-in trainers see them), `\n` line ends, no quoting.
    /// Feature `fj` is `featureNames[j - 1]`; values are written in the shortest form that reads
    /// back to the same float32.
    public func csvText() -> String {
        var out = "label," + (1...featureCount).map { "f\($0)" }.joined(separator: ",") + "\n"
        out.reserveCapacity(out.utf8.count + count * featureCount * 12)
        for i in 0..<count {
            out += String(labels[i])
            for v in row(i) {
                out += ","
                out += v.description
            }
            out += "\n"
        }
        return out
    }

    /// Reads the `csvText()` format back (the feature and class names are not in the file, so the
    /// caller gives them; the column count must match).
    public init(csvText text: String, featureNames: [String], classNames: [String]) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard !lines.isEmpty else { throw DatasetError.csv(line: 1, "empty") }
        let header = lines.removeFirst().split(separator: ",")
        guard header.first == "label", header.count == featureNames.count + 1 else {
            throw DatasetError.csv(line: 1, "expected the header label,f1..f\(featureNames.count)")
        }
        var f = [Float](), y = [Int]()
        for (k, line) in lines.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == featureNames.count + 1 else {
                throw DatasetError.csv(line: k + 2, "\(cells.count) cells, expected \(featureNames.count + 1)")
            }
            guard let label = Int(cells[0]) else { throw DatasetError.csv(line: k + 2, "not a label: \(cells[0])") }
            y.append(label)
            for c in cells.dropFirst() {
                guard let v = Float(c) else { throw DatasetError.csv(line: k + 2, "not a number: \(c)") }
                f.append(v)
            }
        }
        try self.init(features: f, labels: y, featureNames: featureNames, classNames: classNames)
    }
}
