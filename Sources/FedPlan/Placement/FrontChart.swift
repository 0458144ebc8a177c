import Foundation
import FedSpec

/// An SVG scatter plot of a placement decision, latency across and cost up: every candidate
/// (infeasible ones faint), the Pareto front, the choice, the baseline when given, and the
/// spec's limits (max round latency, max cost) as dashed lines. Labels are placed where they
/// cover no point; the legend sits beside the plot. Axes start at 0 or above: costs and
/// latencies are never negative.
public struct FrontChart {
    public let decision: PlacementDecision
    public let baseline: CandidateEstimate?
    public let title: String
    public let limits: Limits

    /// The spec's limits, in the chart's units (the decision's currency, milliseconds).
    public struct Limits: Sendable, Equatable {
        public var maxCost: Double?
        public var maxRoundLatencyMs: Double?

        public init(maxCost: Double? = nil, maxRoundLatencyMs: Double? = nil) {
            self.maxCost = maxCost
            self.maxRoundLatencyMs = maxRoundLatencyMs
        }

        public init(_ spec: Spec) {
            let r = spec.aggregator.requirements
            self.init(maxCost: r.maxCost?.amount, maxRoundLatencyMs: r.maxRoundLatency?.milliseconds)
        }
    }

    public init(decision: PlacementDecision, baseline: CandidateEstimate?, title: String, limits: Limits = Limits()) {
        self.decision = decision
        self.baseline = baseline
        self.title = title
        self.limits = limits
    }

    public func svg() -> String {
        ChartLayout(self).svg(title: title)
    }

    /// Where everything goes; `svg()` only draws it. Internal so tests can check the geometry.
    func layout() -> ChartLayout { ChartLayout(self) }
}

/// A rectangle in SVG coordinates (y down).
struct Box: Equatable {
    var x, y, width, height: Double

    func intersects(_ o: Box) -> Bool {
        x < o.x + o.width && o.x < x + width && y < o.y + o.height && o.y < y + height
    }

    func contains(_ o: Box) -> Bool {
        o.x >= x && o.y >= y && o.x + o.width <= x + width && o.y + o.height <= y + height
    }
}

struct ChartLayout {
    enum MarkerKind: String { case infeasible, feasible, front, baseline, chosen }
    enum LineKind: String { case maxLatency = "limit-latency", maxCost = "limit-cost", leader }

    struct Marker {
        var x, y, radius: Double
        var kind: MarkerKind
        var title: String
        var box: Box { Box(x: x - radius - 1, y: y - radius - 1, width: 2 * radius + 2, height: 2 * radius + 2) }
    }

    struct Label {
        var text: String
        var box: Box
        var color: String
        var kind: String
    }

    struct Line {
        var x1, y1, x2, y2: Double
        var kind: LineKind
    }

    static let width = 960.0, height = 520.0
    static let left = 80.0, top = 50.0, plotWidth = 560.0, plotHeight = 390.0
    static let fontSize = 12.0
    static var plot: Box { Box(x: left, y: top, width: plotWidth, height: plotHeight) }

    let xAxis: Axis, yAxis: Axis
    var markers: [Marker] = []
    var lines: [Line] = []
    var labels: [Label] = []
    var frontPath: [(Double, Double)] = []
    /// Limits beyond the plotted range, said in the legend instead of drawn.
    var offChart: [String] = []
    var legend: [(kind: String, text: String)] = []
    let currency: String

    init(_ chart: FrontChart) {
        let d = chart.decision
        currency = d.currency
        let feasible = Set(d.feasible), front = Set(d.front)
        let all = d.candidates + (chart.baseline.map { [$0] } ?? [])
        var xs = all.map(\.roundLatencyMs), ys = all.map(\.cost)
        // A limit joins the range when it is near the data (within a third of the data's span
        // beyond it); one further out would squeeze every point into a corner.
        func near(_ v: Double, _ values: [Double]) -> Bool {
            guard let lo = values.min(), let hi = values.max() else { return true }
            let span = max(hi - lo, abs(hi) * 0.1, 1e-9)
            return v >= lo - span / 3 && v <= hi + span / 3
        }
        var offChart: [String] = []
        let latencyLimit = chart.limits.maxRoundLatencyMs, costLimit = chart.limits.maxCost
        if let l = latencyLimit {
            if near(l, xs) { xs.append(l) } else { offChart.append("max round latency \(Money.format(l)) ms (\(l > xs.max() ?? 0 ? "right of" : "left of") the plot)") }
        }
        if let c = costLimit {
            if near(c, ys) { ys.append(c) } else { offChart.append("max cost \(Money.format(c)) \(d.currency) (\(c > ys.max() ?? 0 ? "above" : "below") the plot)") }
        }
        xAxis = Axis(min: xs.min() ?? 0, max: xs.max() ?? 1, nonNegative: true)
        yAxis = Axis(min: ys.min() ?? 0, max: ys.max() ?? 1, nonNegative: true)
        self.offChart = offChart

        // Points: faint infeasible ones first, then feasible, the front, the baseline, the choice.
        for (i, c) in d.candidates.enumerated() where !feasible.contains(i) {
            markers.append(Marker(x: px(c.roundLatencyMs), y: py(c.cost), radius: 2.5, kind: .infeasible, title: "\(c.label) (infeasible)"))
        }
        for i in d.feasible where !front.contains(i) {
            let c = d.candidates[i]
            markers.append(Marker(x: px(c.roundLatencyMs), y: py(c.cost), radius: 3, kind: .feasible, title: c.label))
        }
        let frontPoints = d.front.map { d.candidates[$0] }.sorted { ($0.roundLatencyMs, $0.cost) < ($1.roundLatencyMs, $1.cost) }
        frontPath = frontPoints.map { (px($0.roundLatencyMs), py($0.cost)) }
        for c in frontPoints {
            markers.append(Marker(x: px(c.roundLatencyMs), y: py(c.cost), radius: 4.5, kind: .front, title: c.label))
        }
        if let b = chart.baseline {
            markers.append(Marker(x: px(b.roundLatencyMs), y: py(b.cost), radius: 7, kind: .baseline, title: "baseline \(b.label)"))
        }
        let choice = d.choice
        markers.append(Marker(x: px(choice.roundLatencyMs), y: py(choice.cost), radius: 8, kind: .chosen, title: "chosen \(choice.label)"))

        // Limit lines across the plot.
        let p = Self.plot
        if let l = latencyLimit, near(l, xs) {
            lines.append(Line(x1: px(l), y1: p.y, x2: px(l), y2: p.y + p.height, kind: .maxLatency))
        }
        if let c = costLimit, near(c, ys) {
            lines.append(Line(x1: p.x, y1: py(c), x2: p.x + p.width, y2: py(c), kind: .maxCost))
        }

        // Labels, most important first, each where it covers no point and no earlier label.
        place("chosen", at: (px(choice.roundLatencyMs), py(choice.cost)), radius: 8, color: "#d62728", kind: "chosen")
        if let b = chart.baseline {
            place("baseline", at: (px(b.roundLatencyMs), py(b.cost)), radius: 7, color: "#c85a00", kind: "baseline")
        }
        if let l = latencyLimit, near(l, xs) {
            placeAlong(vertical: px(l), text: "max \(Money.format(l)) ms", color: "#9467bd", kind: LineKind.maxLatency.rawValue)
        }
        if let c = costLimit, near(c, ys) {
            placeAlong(horizontal: py(c), text: "max \(Money.format(c)) \(d.currency)", color: "#9467bd", kind: LineKind.maxCost.rawValue)
        }

        legend = [
            ("infeasible", "infeasible candidate (\(d.candidates.count - d.feasible.count))"),
            ("feasible", "feasible candidate (\(d.feasible.count))"),
            ("front", "\(d.frontIsExact ? "exact" : "approximate") Pareto front (\(d.front.count))"),
            ("chosen", "chosen: \(choice.label)"),
            ("note", "weights cost \(Money.format(d.weights.cost)) : latency \(Money.format(d.weights.latency))"),
        ]
        if let b = chart.baseline { legend.append(("baseline", "baseline: \(b.label)")) }
        if latencyLimit != nil || costLimit != nil { legend.append(("limit", "limit of the spec")) }
    }

    func px(_ v: Double) -> Double { Self.left + (v - xAxis.low) / (xAxis.high - xAxis.low) * Self.plotWidth }
    func py(_ v: Double) -> Double { Self.top + Self.plotHeight - (v - yAxis.low) / (yAxis.high - yAxis.low) * Self.plotHeight }

    static func textWidth(_ text: String) -> Double { Double(text.count) * fontSize * 0.6 }

    func isFree(_ box: Box) -> Bool {
        Self.plot.contains(box) && !markers.contains { $0.box.intersects(box) } && !labels.contains { $0.box.intersects(box) }
    }

    /// Tries spots around the point, nearest first; a label pushed away gets a leader line.
    mutating func place(_ text: String, at point: (Double, Double), radius: Double, color: String, kind: String) {
        let w = Self.textWidth(text), h = Self.fontSize + 4
        let (x, y) = point
        for distance in stride(from: radius + 4, through: 240, by: 8) {
            let spots = [
                Box(x: x + distance, y: y - h / 2, width: w, height: h),            // right
                Box(x: x - distance - w, y: y - h / 2, width: w, height: h),        // left
                Box(x: x - w / 2, y: y - distance - h, width: w, height: h),        // above
                Box(x: x - w / 2, y: y + distance, width: w, height: h),            // below
                Box(x: x + distance * 0.7, y: y - distance * 0.7 - h, width: w, height: h),
                Box(x: x + distance * 0.7, y: y + distance * 0.7, width: w, height: h),
                Box(x: x - distance * 0.7 - w, y: y - distance * 0.7 - h, width: w, height: h),
                Box(x: x - distance * 0.7 - w, y: y + distance * 0.7, width: w, height: h),
            ]
            if let spot = spots.first(where: isFree) {
                if distance > radius + 12 { lines.append(leader(from: point, to: spot)) }
                labels.append(Label(text: text, box: spot, color: color, kind: kind))
                return
            }
        }
        // Nowhere free inside the plot (a very crowded chart): under the plot, named.
        let fallbacks = labels.filter { !Self.plot.contains($0.box) }.count
        labels.append(Label(text: text, box: Box(x: Self.left + Self.plotWidth + 22, y: Self.top + Self.plotHeight - 20 * Double(fallbacks + 1),
                                                 width: w, height: h), color: color, kind: kind))
    }

    mutating func placeAlong(vertical x: Double, text: String, color: String, kind: String) {
        let w = Self.textWidth(text), h = Self.fontSize + 4
        for y in stride(from: Self.top + 4, through: Self.top + Self.plotHeight - h - 4, by: 6) {
            for box in [Box(x: x + 4, y: y, width: w, height: h), Box(x: x - 4 - w, y: y, width: w, height: h)] where isFree(box) {
                labels.append(Label(text: text, box: box, color: color, kind: kind))
                return
            }
        }
    }

    mutating func placeAlong(horizontal y: Double, text: String, color: String, kind: String) {
        let w = Self.textWidth(text), h = Self.fontSize + 4
        for x in stride(from: Self.left + Self.plotWidth - w - 4, through: Self.left + 4, by: -6) {
            for box in [Box(x: x, y: y - h - 2, width: w, height: h), Box(x: x, y: y + 2, width: w, height: h)] where isFree(box) {
                labels.append(Label(text: text, box: box, color: color, kind: kind))
                return
            }
        }
    }

    /// From the point's edge toward the nearest side of the label.
    func leader(from p: (Double, Double), to b: Box) -> Line {
        let tx = min(max(p.0, b.x), b.x + b.width), ty = min(max(p.1, b.y), b.y + b.height)
        return Line(x1: p.0, y1: p.1, x2: tx, y2: ty, kind: .leader)
    }

    func svg(title: String) -> String {
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let p = Self.plot
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="sans-serif" font-size="\(Int(Self.fontSize))">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(Self.width / 2))" y="26" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>

        """
        for t in xAxis.ticks {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(p.y))\" x2=\"\(f(px(t)))\" y2=\"\(f(p.y + p.height))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(p.y + p.height + 18))\" text-anchor=\"middle\">\(Axis.label(t))</text>\n"
        }
        for t in yAxis.ticks {
            s += "<line x1=\"\(f(p.x))\" y1=\"\(f(py(t)))\" x2=\"\(f(p.x + p.width))\" y2=\"\(f(py(t)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(p.x - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Axis.label(t))</text>\n"
        }
        s += "<rect x=\"\(f(p.x))\" y=\"\(f(p.y))\" width=\"\(f(p.width))\" height=\"\(f(p.height))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(p.x + p.width / 2))\" y=\"\(f(p.y + p.height + 40))\" text-anchor=\"middle\">round latency (ms)</text>\n"
        s += "<text x=\"18\" y=\"\(f(p.y + p.height / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(p.y + p.height / 2)))\">cost per run (\(escape(currency)))</text>\n"

        for l in lines where l.kind != .leader {
            s += "<line class=\"\(l.kind.rawValue)\" x1=\"\(f(l.x1))\" y1=\"\(f(l.y1))\" x2=\"\(f(l.x2))\" y2=\"\(f(l.y2))\" stroke=\"#9467bd\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
        }
        if !frontPath.isEmpty {
            s += "<polyline class=\"front\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(frontPath.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\"/>\n"
        }
        for m in markers { s += marker(m, f) }
        for l in lines where l.kind == .leader {
            s += "<line class=\"leader\" x1=\"\(f(l.x1))\" y1=\"\(f(l.y1))\" x2=\"\(f(l.x2))\" y2=\"\(f(l.y2))\" stroke=\"#777\" stroke-width=\"0.8\"/>\n"
        }
        for l in labels {
            s += "<text class=\"label-\(l.kind)\" x=\"\(f(l.box.x))\" y=\"\(f(l.box.y + l.box.height - 4))\" fill=\"\(l.color)\">\(escape(l.text))</text>\n"
        }

        // Legend beside the plot.
        let lx = p.x + p.width + 30
        var ly = p.y + 10
        for item in legend {
            let sample: String
            switch item.kind {
            case "note":
                sample = ""
                ly -= 6
            case "limit":
                sample = "<line x1=\"\(f(lx - 8))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 8))\" y2=\"\(f(ly))\" stroke=\"#9467bd\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
            default:
                sample = marker(Marker(x: lx, y: ly, radius: ["chosen": 7, "baseline": 7, "front": 4.5, "feasible": 3][item.kind] ?? 2.5,
                                       kind: MarkerKind(rawValue: item.kind) ?? .infeasible, title: ""), f, legend: true)
            }
            s += "<g class=\"legend\">\(sample)<text x=\"\(f(lx + 14))\" y=\"\(f(ly + 4))\">\(escape(item.text))</text></g>\n"
            ly += 22
        }
        for note in offChart {
            s += "<text class=\"off-chart\" x=\"\(f(lx - 8))\" y=\"\(f(ly + 4))\" fill=\"#9467bd\">\(escape(note))</text>\n"
            ly += 20
        }
        return s + "</svg>\n"
    }

    private func marker(_ m: Marker, _ f: (Double) -> String, legend: Bool = false) -> String {
        let tip = legend || m.title.isEmpty ? "" : "<title>\(escape(m.title))</title>"
        let cls = legend ? "" : " class=\"\(m.kind.rawValue)\""
        switch m.kind {
        case .infeasible:
            return "<circle\(cls) cx=\"\(f(m.x))\" cy=\"\(f(m.y))\" r=\"\(f(m.radius))\" fill=\"#bbb\" fill-opacity=\"0.35\">\(tip)</circle>\n"
        case .feasible:
            return "<circle\(cls) cx=\"\(f(m.x))\" cy=\"\(f(m.y))\" r=\"\(f(m.radius))\" fill=\"#888\">\(tip)</circle>\n"
        case .front:
            return "<circle\(cls) cx=\"\(f(m.x))\" cy=\"\(f(m.y))\" r=\"\(f(m.radius))\" fill=\"#1f77b4\">\(tip)</circle>\n"
        case .baseline:
            let r = m.radius
            return "<path\(cls) d=\"M \(f(m.x)) \(f(m.y - r)) L \(f(m.x + r)) \(f(m.y)) L \(f(m.x)) \(f(m.y + r)) L \(f(m.x - r)) \(f(m.y)) Z\" fill=\"#ff7f0e\" fill-opacity=\"0.85\">\(tip)</path>\n"
        case .chosen:
            return "<circle\(cls) cx=\"\(f(m.x))\" cy=\"\(f(m.y))\" r=\"\(f(m.radius))\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"3\">\(tip)</circle>\n"
        }
    }

    private func escape(_ t: String) -> String {
        t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// A linear axis with "nice" ticks (1, 2 or 5 × 10^k apart) covering the data with a margin.
/// With `nonNegative` (costs, latencies) the margin never takes it below 0.
struct Axis {
    let low: Double, high: Double, ticks: [Double]

    init(min lo: Double, max hi: Double, nonNegative: Bool = false) {
        let span = hi > lo ? hi - lo : max(abs(hi), 1)
        let raw = span / 5
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var first = floor((lo - span * 0.05) / step) * step
        if nonNegative && lo >= 0 { first = Swift.max(first, 0) }
        let last = ceil((hi + span * 0.05) / step) * step
        low = first
        high = last > first ? last : first + step
        var t: [Double] = []
        var v = first
        while v <= high + step * 1e-9 { t.append(v); v += step }
        ticks = t
    }

    static func label(_ v: Double) -> String {
        if abs(v) >= 1000 { return String(Int(v.rounded())) }
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
