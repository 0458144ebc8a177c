import FedTrain
import Foundation
import Testing

@Suite("WDBC data set")
struct DatasetTests {
    let data = Dataset.wdbc

    @Test("569 samples × 30 features, 212 malignant and 357 benign")
    func shape() {
        #expect(data.count == 569)
        #expect(data.featureCount == 30)
        #expect(data.features.count == 569 * 30)
        #expect(data.classNames == ["malignant", "benign"])
        #expect(data.classCounts == [212, 357])
        #expect(data.featureNames.first == "mean radius")
        #expect(data.featureNames[10] == "radius error")
        #expect(data.featureNames.last == "worst fractal dimension")
        #expect(Set(data.featureNames).count == 30)
    }

    @Test("known values from the CSV")
    func knownValues() {
        // First row of breast_cancer.csv (UCI id 842302, malignant).
        #expect(Array(data.row(0).prefix(4)) == [17.99, 10.38, 122.8, 1001])
        #expect(data.row(0)[20] == 25.38)
        #expect(data.row(0)[29] == 0.1189)
        #expect(data.labels[0] == 0)
        // Second row.
        #expect(Array(data.row(1).prefix(3)) == [20.57, 17.77, 132.9])
        // Last row (benign, the smallest radius of all).
        #expect(Array(data.row(568).prefix(5)) == [7.76, 24.54, 47.92, 181, 0.05263])
        #expect(data.row(568)[29] == 0.07039)
        #expect(data.labels[568] == 1)
        #expect(data.features.min() == 0)
        #expect(data.features.max() == 4254)  // worst area
    }

    @Test("the published reference range holds the data (up to its 3-decimal rounding)")
    func referenceRange() throws {
        let r = Dataset.wdbcReferenceRange
        #expect(r.minimum.count == 30)
        #expect(r.minimum[0] == 6.981 && r.maximum[0] == 28.11)
        #expect(r.minimum[3] == 143.5 && r.maximum[3] == 2501)
        for j in 0..<30 {
            let column = (0..<data.count).map { data.row($0)[j] }
            let width = r.maximum[j] - r.minimum[j]
            #expect(abs(column.min()! - r.minimum[j]) <= 0.02 * width, "feature \(j) minimum")
            #expect(abs(column.max()! - r.maximum[j]) <= 0.02 * width, "feature \(j) maximum")
        }
    }

    @Test("the embedded CSV is datasets/wdbc/breast_cancer.csv")
    func embeddedMatchesFile() throws {
        let root = try #require(TestPaths.repoRoot, "repository root not found (set FEDTRAIN_REPO_ROOT)")
        let file = try String(contentsOf: root.appendingPathComponent("datasets/wdbc/breast_cancer.csv"), encoding: .utf8)
        var lines = file.split(separator: "\n")
        #expect(lines.removeFirst() == "569,30,malignant,benign")
        #expect(lines.count == data.count)
        for (i, line) in lines.enumerated() {
            let cells = line.split(separator: ",")
            let values = cells.dropLast().map { Float($0)! }
            if values != Array(data.row(i)) || Int(cells.last!)! != data.labels[i] {
                Issue.record("row \(i) differs from the file")
                return
            }
        }
    }

    @Test("the participant CSV format reads back exactly")
    func csvRoundTrip() throws {
        let split = try FederatedSplit(participants: 3, seed: 7).participant(1)
        let text = split.validation.csvText()
        #expect(text.hasPrefix("label,f1,f2,f3,"))
        #expect(text.split(separator: "\n").first!.hasSuffix(",f30"))
        let back = try Dataset(csvText: text, featureNames: split.validation.featureNames, classNames: split.validation.classNames)
        #expect(back.features == split.validation.features)
        #expect(back.labels == split.validation.labels)
        #expect(throws: DatasetError.self) {
            try Dataset(csvText: "label,f1\n0,1\n", featureNames: split.validation.featureNames, classNames: ["a", "b"])
        }
        #expect(throws: DatasetError.self) {
            try Dataset(csvText: "label,f1\n2,1\n", featureNames: ["x"], classNames: ["a", "b"])
        }
    }

    @Test("invalid data sets are rejected")
    func invalid() {
        #expect(throws: DatasetError.self) { try Dataset(features: [1, 2, 3], labels: [0, 1], featureNames: ["a"], classNames: ["x", "y"]) }
        #expect(throws: DatasetError.self) { try Dataset(features: [1], labels: [2], featureNames: ["a"], classNames: ["x", "y"]) }
        #expect(throws: DatasetError.self) { try Dataset(features: [.nan], labels: [0], featureNames: ["a"], classNames: ["x", "y"]) }
        #expect(throws: DatasetError.self) { try FeatureRange(minimum: [1], maximum: [1]) }
    }
}

@Suite("Feature scaling")
struct ScalingTests {
    @Test("the reference range maps onto [-1, 1]")
    func referenceRange() throws {
        let r = Dataset.wdbcReferenceRange
        let probe = try Dataset(rows: [r.minimum, r.maximum], labels: [0, 1], featureNames: Dataset.wdbc.featureNames,
                                classNames: Dataset.wdbc.classNames, referenceRange: r)
        let t = try FeatureTransform.fit(.referenceRange, on: probe)
        let scaled = t.apply(to: probe)
        for v in scaled.row(0) { #expect(abs(v + 1) < 1e-5) }
        for v in scaled.row(1) { #expect(abs(v - 1) < 1e-5) }
        // And it ignores the data it is fitted on: the same for every participant.
        let a = try FederatedSplit(participants: 3, seed: 7).allParticipants()
        #expect(a[0].transform == a[1].transform && a[1].transform == a[2].transform)
    }

    @Test("local standardisation uses only the participant's training split")
    func localStandardization() throws {
        let parts = try FederatedSplit(participants: 3, seed: 7, scaling: .localStandardization).allParticipants()
        for p in parts {
            let n = Double(p.train.count)
            for j in [0, 3, 29] {
                let col = (0..<p.train.count).map { Double(p.train.row($0)[j]) }
                let mean = col.reduce(0, +) / n
                let sd = (col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
                #expect(abs(mean) < 1e-4)
                #expect(abs(sd - 1) < 1e-3)
            }
        }
        #expect(parts[0].transform != parts[1].transform)
    }
}
