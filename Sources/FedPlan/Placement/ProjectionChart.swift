import Foundation
import FedSpec

/// The front of a decision with more than two objectives, drawn as 2-D projections: one SVG per
/// pair of objectives (x = the first of the pair, y = the second, both minimised), with every
/// feasible candidate faint, the front's points, and the chosen point. A front point may look
/// dominated in one projection: it is better on an objective the projection does not show.
public struct ProjectionChart {
    public let decision: PlacementDecision
    public let title: String
    public let x: PlacementObjective, y: PlacementObjective

    public init(decision: PlacementDecision, title: String, x: PlacementObjective, y: PlacementObjective) {
        self.decision = decision
        self.title = title
        self.x = x
        self.y = y
    }

    /// Every pair of the decision's objectives, in the spec's order: `cost-latency`, `cost-carbon`, ….
    public static func pairs(_ d: PlacementDecision) -> [(PlacementObjective, PlacementObjective)] {
        var out: [(PlacementObjective, PlacementObjective)] = []
        for (i, a) in d.objectives.enumerated() { for b in d.objectives[(i + 1)...] { out.append((a, b)) } }
        return out
    }

    /// `cost-carbon.svg`.
    public var fileName: String { "\(x.rawValue)-\(y.rawValue).svg" }

    public static func value(_ o: PlacementObjective, _ c: CandidateEstimate) -> Double {
        switch o {
        case .cost: return c.cost
        case .latency: return c.roundLatencyMs
        case .carbon: return c.carbonKgCO2e ?? 0
        case .egress: return c.egressGB
        }
    }

    func axisTitle(_ o: PlacementObjective) -> String {
        switch o {
        case .cost: return "cost per run (\(decision.currency))"
        case .latency: return "round latency (ms)"
        case .carbon: return "carbon per run (kg CO2e)"
        case .egress: return "egress per run (GB across clouds)"
        }
    }

    public func svg() -> String {
        let d = decision
        let width = 760.0, height = 520.0, left = 90.0, top = 50.0, plotW = 600.0, plotH = 390.0
        let shown = d.feasible
        let xs = shown.map { Self.value(x, d.candidates[$0]) }, ys = shown.map { Self.value(y, d.candidates[$0]) }
        let ax = Axis(min: xs.min() ?? 0, max: xs.max() ?? 1, nonNegative: true)
        let ay = Axis(min: ys.min() ?? 0, max: ys.max() ?? 1, nonNegative: true)
        func px(_ v: Double) -> Double { left + (v - ax.low) / (ax.high - ax.low) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (v - ay.low) / (ay.high - ay.low) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ t: String) -> String {
            t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(esc(title))</text>\n"
        s += "<rect class=\"plot\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#999\"/>\n"
        for t in ax.ticks {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH + 5))\" stroke=\"#999\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(Axis.label(t))</text>\n"
        }
        for t in ay.ticks {
            s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\" stroke=\"#999\"/>"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Axis.label(t))</text>\n"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH + 40))\" text-anchor=\"middle\">\(esc(axisTitle(x)))</text>\n"
        s += "<text transform=\"translate(20 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(axisTitle(y)))</text>\n"
        let front = Set(d.front)
        func point(_ i: Int, _ cls: String, _ r: Double, _ fill: String) -> String {
            let c = d.candidates[i]
            return "<circle class=\"\(cls)\" cx=\"\(f(px(Self.value(x, c))))\" cy=\"\(f(py(Self.value(y, c))))\" r=\"\(r)\" fill=\"\(fill)\"><title>\(esc(c.label))</title></circle>\n"
        }
        for i in shown where !front.contains(i) && i != d.chosen { s += point(i, "feasible", 2.5, "#c8c8c8") }
        for i in d.front where i != d.chosen { s += point(i, "front", 4, "#1f77b4") }
        s += point(d.chosen, "chosen", 6, "#d62728")
        let c = d.choice
        s += "<text x=\"\(f(left + plotW))\" y=\"\(f(top - 8))\" text-anchor=\"end\" fill=\"#d62728\">chosen: \(esc(c.label))</text>\n"
        s += "<text x=\"\(f(left))\" y=\"\(f(height - 12))\">grey: feasible (\(shown.count)); blue: Pareto front in all \(d.objectives.count) objectives (\(d.front.count)); red: chosen (weights \(esc(d.weightsPhrase(separator: ", "))))</text>\n"
        s += "</svg>\n"
        return s
    }
}
