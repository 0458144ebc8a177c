import Foundation

/// Loss, accuracy and F1 per round as an SVG line chart (one line per run and metric).
public struct CurvesChart {
    public let models: [ModelEntry]
    public let title: String

    public init(models: [ModelEntry], title: String) {
        self.models = models
        self.title = title
    }

    static let colors = ["loss": "#d62728", "accuracy": "#1f77b4", "f1": "#2ca02c"]

    public func svg() -> String {
        let w = 760.0, h = 440.0, left = 60.0, right = 150.0, top = 50.0, bottom = 60.0
        let pw = w - left - right, ph = h - top - bottom
        let rounds = models.map(\.round)
        let maxRound = Double(max(rounds.max() ?? 1, 1))
        let minRound = Double(min(rounds.min() ?? 0, Int(maxRound)))
        let values = models.flatMap { m in ["loss", "accuracy", "f1"].compactMap { m.metrics[$0] } }
        let yMax = max(1.0, (values.max() ?? 1) * 1.05)
        func px(_ r: Double) -> Double { left + (maxRound <= minRound ? pw / 2 : (r - minRound) / (maxRound - minRound) * pw) }
        func py(_ v: Double) -> Double { top + ph - v / yMax * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" viewBox="0 0 \(Int(w)) \(Int(h))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f((w - right + left) / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(title)</text>

        """
        for i in 0...5 {
            let v = yMax * Double(i) / 5
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(v)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(v)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(String(format: "%.2f", v))</text>\n"
        }
        let step = max(1, Int(maxRound - minRound) / 10)
        for r in stride(from: Int(minRound), through: Int(maxRound), by: step) {
            s += "<text x=\"\(f(px(Double(r))))\" y=\"\(f(top + ph + 18))\" text-anchor=\"middle\">\(r)</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(h - 20))\" text-anchor=\"middle\">round</text>\n"
        s += "<text x=\"18\" y=\"\(f(top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(top + ph / 2)))\">value (loss: cross-entropy; accuracy, F1: fraction)</text>\n"
        let runs = Array(Set(models.map(\.run))).sorted()
        var legend = 0
        for run in runs {
            let pts = models.filter { $0.run == run }.sorted { $0.round < $1.round }
            for metric in ["loss", "accuracy", "f1"] {
                let line = pts.compactMap { m in m.metrics[metric].map { "\(f(px(Double(m.round)))),\(f(py($0)))" } }
                guard !line.isEmpty else { continue }
                let dash = run == runs.last ? "" : " stroke-dasharray=\"4 3\""
                s += "<polyline fill=\"none\" stroke=\"\(Self.colors[metric]!)\" stroke-width=\"2\"\(dash) points=\"\(line.joined(separator: " "))\"/>\n"
                for p in line {
                    let xy = p.split(separator: ",")
                    s += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(Self.colors[metric]!)\"/>"
                }
                let ly = top + 14 + Double(legend) * 18
                s += "\n<line x1=\"\(f(w - right + 12))\" y1=\"\(f(ly))\" x2=\"\(f(w - right + 36))\" y2=\"\(f(ly))\" stroke=\"\(Self.colors[metric]!)\" stroke-width=\"2\"\(dash)/>"
                s += "<text x=\"\(f(w - right + 42))\" y=\"\(f(ly + 4))\">\(metric), run \(run)</text>\n"
                legend += 1
            }
        }
        return s + "</svg>\n"
    }
}
