import Foundation
import FedSpec

/// The front of a decision with more than two objectives, drawn as 2-D projections: one SVG per
/// pair of objectives (x = the first of the pair, y = the second, both minimised), with every
/// feasible candidate faint, the front's points, and the chosen point. A front point may look
/// dominated in one projection: it is better on an objective the projection does not show.
public struct ProjectionChart {
    /// One point to draw: its label (a tooltip), its value per objective, and what it is.
    public struct Point: Sendable {
        public enum Kind: String, Sendable { case feasible, front, chosen }
        public var label: String
        public var values: [PlacementObjective: Double]
        public var kind: Kind
    }

    public let points: [Point]
    public let objectives: [PlacementObjective]
    public let currency: String
    public let title: String
    public let legend: String
    public let x: PlacementObjective, y: PlacementObjective

    public init(points: [Point], objectives: [PlacementObjective], currency: String, title: String, legend: String,
                x: PlacementObjective, y: PlacementObjective) {
        self.points = points
        self.objectives = objectives
        self.currency = currency
        self.title = title
        self.legend = legend
        self.x = x
        self.y = y
    }

    /// A flat decision: every feasible candidate, the front and the choice.
    public init(decision d: PlacementDecision, title: String, x: PlacementObjective, y: PlacementObjective) {
        let front = Set(d.front)
        func values(_ c: CandidateEstimate) -> [PlacementObjective: Double] {
            Dictionary(uniqueKeysWithValues: PlacementObjective.allCases.map { ($0, Self.value($0, c)) })
        }
        let points = d.feasible.map { i in
            Point(label: d.candidates[i].label, values: values(d.candidates[i]),
                  kind: i == d.chosen ? .chosen : front.contains(i) ? .front : .feasible)
        }
        self.init(points: points, objectives: d.objectives, currency: d.currency, title: title,
                  legend: "grey: feasible (\(d.feasible.count)); blue: Pareto front in all \(d.objectives.count) objectives (\(d.front.count)); red: chosen (weights \(d.weightsPhrase(separator: ", ")))",
                  x: x, y: y)
    }

    /// A hierarchical decision: its front (NSGA-II's merged with the flat layouts) and the choice.
    public init(hierarchical d: HierarchicalDecision, title: String, x: PlacementObjective, y: PlacementObjective) {
        let points = d.front.enumerated().map { i, p in
            Point(label: "global \(p.global.label), \(p.regional.count) regional",
                  values: [.cost: p.cost, .latency: p.latencyMs, .carbon: p.carbonKg, .egress: p.egressGB],
                  kind: i == d.chosen ? .chosen : .front)
        }
        let weights = d.objectives.map { "\($0.rawValue) \(Money.format(d.weights[$0]))" }.joined(separator: ", ")
        self.init(points: points, objectives: d.objectives, currency: d.currency, title: title,
                  legend: "blue: hierarchical front in all \(d.objectives.count) objectives (\(d.front.count) layouts); red: chosen (weights \(weights))",
                  x: x, y: y)
    }

    /// Every pair of the objectives, in the spec's order: `cost-latency`, `cost-carbon`, ….
    public static func pairs(_ objectives: [PlacementObjective]) -> [(PlacementObjective, PlacementObjective)] {
        var out: [(PlacementObjective, PlacementObjective)] = []
        for (i, a) in objectives.enumerated() { for b in objectives[(i + 1)...] { out.append((a, b)) } }
        return out
    }

    public static func pairs(_ d: PlacementDecision) -> [(PlacementObjective, PlacementObjective)] { pairs(d.objectives) }

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
        case .cost: return "cost per run (\(currency))"
        case .latency: return "round latency (ms)"
        case .carbon: return "carbon per run (kg CO2e)"
        case .egress: return "egress per run (GB across clouds)"
        }
    }

    public func svg() -> String {
        let width = 760.0, height = 520.0, left = 90.0, top = 50.0, plotW = 600.0, plotH = 390.0
        let xs = points.map { $0.values[x] ?? 0 }, ys = points.map { $0.values[y] ?? 0 }
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
        let style: [Point.Kind: (Double, String)] = [.feasible: (2.5, "#c8c8c8"), .front: (4, "#1f77b4"), .chosen: (6, "#d62728")]
        // Feasible first, then the front, the choice last so it is drawn on top.
        for kind in [Point.Kind.feasible, .front, .chosen] {
            for p in points where p.kind == kind {
                let (r, fill) = style[kind]!
                s += "<circle class=\"\(kind.rawValue)\" cx=\"\(f(px(p.values[x] ?? 0)))\" cy=\"\(f(py(p.values[y] ?? 0)))\" r=\"\(r)\" fill=\"\(fill)\"><title>\(esc(p.label))</title></circle>\n"
            }
        }
        if let chosen = points.first(where: { $0.kind == .chosen }) {
            s += "<text x=\"\(f(left + plotW))\" y=\"\(f(top - 8))\" text-anchor=\"end\" fill=\"#d62728\">chosen: \(esc(chosen.label))</text>\n"
        }
        s += "<text x=\"\(f(left))\" y=\"\(f(height - 12))\">\(esc(legend))</text>\n"
        s += "</svg>\n"
        return s
    }
}
