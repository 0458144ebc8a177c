import Foundation

/// The final fronts a benchmark scored, written as JSON so an outside scorer can recompute the
/// quality figures (e.g. `Benchmarks/score_fronts.py` with pymoo's HV):
///
///     {"format": "fedplane-bench-fronts", "version": 1, "tool": "fedplane FedOptimize",
///      "runs": [{"problem": "zdt1", "seed": 1, "population": 100, "generations": 250,
///                "reference": [1.1, 1.1], "hv": 0.8696, "front": [[f1, f2], …]}, …]}
///
/// `front` holds the objective vectors of the run's feasible non-dominated members, the very
/// set `hv` was computed from; numbers are written in Swift's shortest round-trip form.
struct FrontFile {
    let path: String
    private var runs: [String] = []

    init(path: String) { self.path = path }

    mutating func add(problem: String, seed: Int, generations: Int, reference: [Double], hv: Double, front: [[Double]]) {
        func vector(_ v: [Double]) -> String { "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
        let points = front.map(vector).joined(separator: ", ")
        runs.append("""
            {"problem": "\(problem)", "seed": \(seed), "population": 100, "generations": \(generations), \
        "reference": \(vector(reference)), "hv": \(hv), "front": [\(points)]}
        """)
    }

    func write() throws {
        let text = "{\"format\": \"fedplane-bench-fronts\", \"version\": 1, \"tool\": \"fedplane FedOptimize\", \"runs\": [\n"
            + runs.joined(separator: ",\n") + "\n]}\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        print("wrote \(runs.count) fronts to \(path)")
    }

    /// `fronts.json` → `fronts.pymoo.json`: where the other side of a comparison writes.
    static func sibling(of path: String, tag: String) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = url.deletingPathExtension().path
        return ext.isEmpty ? "\(path).\(tag)" : "\(base).\(tag).\(ext)"
    }
}
