import FedRandom
import Foundation
import Testing
@testable import FedOptimize

/// The hierarchical problem exported as data (`HierarchyInstanceFile`): it round-trips through
/// JSON, and `Benchmarks/pymoo_hierarchy.py`'s plain-Python objective function gives the same
/// objectives and violations as Swift's on it — what `fedplane-bench hierarchy --pymoo` relies on.
@Suite struct HierarchyInstanceFileTests {
    /// Fractional prices, latencies and sizes (sums that round), three clouds, limits on two objectives.
    static func problem() -> HierarchicalPlacementProblem {
        var rng = SplitMix64(seed: 42)
        let sites = 9, participants = 12
        let s = (0..<sites).map { _ in
            HierarchyInstance.Site(computeCost: 1 + 99 * rng.nextUnit(), egressPricePerGB: 0.2 * rng.nextUnit(),
                                   vcpu: [2, 4, 8, 16][rng.nextInt(below: 4)], carbonKg: 30 * rng.nextUnit(), cloud: rng.nextInt(below: 3))
        }
        let pm = (0..<participants).map { _ in (0..<sites).map { _ in 5 + 400 * rng.nextUnit() } }
        var sm = [[Double]](repeating: [Double](repeating: 0.3, count: sites), count: sites)
        for a in 0..<sites { for b in (a + 1)..<sites { sm[a][b] = 2 + 200 * rng.nextUnit(); sm[b][a] = sm[a][b] } }
        let inst = HierarchyInstance(sites: s, participantClouds: (0..<participants).map { _ in rng.nextInt(below: 3) },
                                     participantMs: pm, siteMs: sm, maxRegional: 3, gbPerLinkPerRun: 0.1 + rng.nextUnit(),
                                     aggregationMsPerChildPerVcpu: 7.3, objectives: [.cost, .latency, .carbon, .egress],
                                     limits: [.cost: 150, .latency: 400.5])
        return HierarchicalPlacementProblem(inst)
    }

    /// Unrepaired random gene vectors (repair is part of what must agree).
    static func genomes(_ problem: HierarchicalPlacementProblem, count: Int) -> [[Double]] {
        var rng = SplitMix64(seed: 7)
        return (0..<count).map { _ in problem.variables.map { Double(rng.nextInt(below: Int($0.upper) + 1)) } }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Benchmarks/pymoo_hierarchy.py").path

    static let hasPython: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import json, argparse, statistics"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test func roundTripsThroughJSONAndEvaluatesTheSame() throws {
        let problem = Self.problem()
        let file = HierarchyInstanceFile(problem, siteLabels: (0..<9).map { "site \($0)" })
        let decoded = try JSONDecoder().decode(HierarchyInstanceFile.self, from: JSONEncoder().encode(file))
        #expect(decoded == file)
        let again = HierarchicalPlacementProblem(try decoded.instance())
        #expect(HierarchyInstanceFile(again, siteLabels: (0..<9).map { "site \($0)" }) == file)
        for x in Self.genomes(problem, count: 200) {
            let (a, b) = (problem.evaluate(x), again.evaluate(x))
            #expect(a.objectives == b.objectives && a.constraintViolations == b.constraintViolations)
        }
    }

    @Test func refusesAFileThatDoesNotDescribeAProblem() throws {
        var file = HierarchyInstanceFile(Self.problem())
        file.participantMs[3].removeLast()
        #expect(throws: HierarchyInstanceFileError.self) { try file.instance() }
        file = HierarchyInstanceFile(Self.problem())
        file.maxRegional = 2
        let error = #expect(throws: HierarchyInstanceFileError.self) { try file.instance() }
        #expect(error?.message.contains("genes do not match") == true)
        file = HierarchyInstanceFile(Self.problem())
        file.objectives.append("speed")
        #expect(throws: HierarchyInstanceFileError.self) { try file.instance() }
    }

    @Test(.enabled(if: hasPython, "python3 is needed"))
    func pythonObjectiveFunctionEqualsSwifts() throws {
        let problem = Self.problem()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hierarchy-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let instance = dir.appendingPathComponent("instance.json"), genomesFile = dir.appendingPathComponent("genomes.json")
        try JSONEncoder().encode(HierarchyInstanceFile(problem)).write(to: instance)
        let genomes = Self.genomes(problem, count: 300)
        try JSONEncoder().encode(genomes.map { $0.map { Int($0) } }).write(to: genomesFile)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "evaluate", instance.path, genomesFile.path]
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(Self.script) evaluate failed: \(stderr)")

        struct Evaluations: Decodable { var objectives: [[Double]]; var violations: [[Double]] }
        let theirs = try JSONDecoder().decode(Evaluations.self, from: output)
        try #require(theirs.objectives.count == genomes.count && theirs.violations.count == genomes.count)
        func close(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-9 * max(abs($0), abs($1), 1e-300) }
        }
        var infeasible = 0, regional = 0
        for (i, x) in genomes.enumerated() {
            let ours = problem.evaluate(x)
            #expect(close(ours.objectives, theirs.objectives[i]), "gene vector \(i): \(ours.objectives) vs \(theirs.objectives[i])")
            #expect(close(ours.constraintViolations, theirs.violations[i]), "gene vector \(i): \(ours.constraintViolations) vs \(theirs.violations[i])")
            if totalViolation(ours.constraintViolations) > 0 { infeasible += 1 }
            if !problem.layout(x).regional.isEmpty { regional += 1 }
        }
        // The sample exercises both sides of the limits and layouts with regional aggregators.
        #expect(infeasible > 0 && infeasible < genomes.count && regional > 0)
    }
}
