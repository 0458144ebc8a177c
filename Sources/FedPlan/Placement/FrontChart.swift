import Foundation

/// An SVG scatter plot of a placement decision: every feasible candidate, the Pareto front, the
/// choice (and the baseline when given), latency across and cost up, axes labelled with units.
public struct FrontChart {
    public let decision: PlacementDecision
    public let baseline: CandidateEstimate?
    public let title: String

    public init(decision: PlacementDecision, baseline: CandidateEstimate?, title: String) {
        self.decision = decision
        self.baseline = baseline
        self.title = title
    }

    static let width = 760.0, height = 500.0
    static let left = 90.0, right = 30.0, top = 50.0, bottom = 70.0

    public func svg() -> String {
        let points = decision.feasible.map { decision.candidates[$0] } + (baseline.map { [$0] } ?? [])
        let xs = points.map(\.roundLatencyMs), ys = points.map(\.cost)
        let xAxis = Axis(min: xs.min() ?? 0, max: xs.max() ?? 1)
        let yAxis = Axis(min: ys.min() ?? 0, max: ys.max() ?? 1)
        let pw = Self.width - Self.left - Self.right, ph = Self.height - Self.top - Self.bottom
        func px(_ v: Double) -> Double { Self.left + (v - xAxis.low) / (xAxis.high - xAxis.low) * pw }
        func py(_ v: Double) -> Double { Self.top + ph - (v - yAxis.low) / (yAxis.high - yAxis.low) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(Self.width / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>

        """
        // Grid and ticks.
        for t in xAxis.ticks {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(Self.top))\" x2=\"\(f(px(t)))\" y2=\"\(f(Self.top + ph))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(Self.top + ph + 18))\" text-anchor=\"middle\">\(Axis.label(t))</text>\n"
        }
        for t in yAxis.ticks {
            s += "<line x1=\"\(f(Self.left))\" y1=\"\(f(py(t)))\" x2=\"\(f(Self.left + pw))\" y2=\"\(f(py(t)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(Self.left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Axis.label(t))</text>\n"
        }
        s += "<rect x=\"\(f(Self.left))\" y=\"\(f(Self.top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(Self.left + pw / 2))\" y=\"\(f(Self.height - 20))\" text-anchor=\"middle\">round latency (ms)</text>\n"
        s += "<text x=\"20\" y=\"\(f(Self.top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 20 \(f(Self.top + ph / 2)))\">cost per run (\(escape(decision.currency)))</text>\n"

        // Every feasible candidate, then the front as a line, then the choice on top.
        for i in decision.feasible where !decision.front.contains(i) {
            let c = decision.candidates[i]
            s += "<circle cx=\"\(f(px(c.roundLatencyMs)))\" cy=\"\(f(py(c.cost)))\" r=\"3\" fill=\"#bbb\"><title>\(escape(c.label))</title></circle>\n"
        }
        let front = decision.front.map { decision.candidates[$0] }.sorted { $0.roundLatencyMs < $1.roundLatencyMs }
        s += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(front.map { "\(f(px($0.roundLatencyMs))),\(f(py($0.cost)))" }.joined(separator: " "))\"/>\n"
        for c in front {
            s += "<circle cx=\"\(f(px(c.roundLatencyMs)))\" cy=\"\(f(py(c.cost)))\" r=\"4.5\" fill=\"#1f77b4\"><title>\(escape(c.label))</title></circle>\n"
        }
        if let b = baseline {
            let (x, y) = (px(b.roundLatencyMs), py(b.cost))
            s += "<path d=\"M \(f(x)) \(f(y - 7)) L \(f(x + 7)) \(f(y)) L \(f(x)) \(f(y + 7)) L \(f(x - 7)) \(f(y)) Z\" fill=\"#ff7f0e\"><title>baseline \(escape(b.label))</title></path>\n"
        }
        let c = decision.choice
        s += "<circle cx=\"\(f(px(c.roundLatencyMs)))\" cy=\"\(f(py(c.cost)))\" r=\"8\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"3\"/>\n"
        s += "<text x=\"\(f(px(c.roundLatencyMs) + 11))\" y=\"\(f(py(c.cost) - 10))\" fill=\"#d62728\">\(escape(c.label))</text>\n"

        // Legend.
        let lx = Self.left + pw - 200, ly = Self.top + 12
        s += "<rect x=\"\(f(lx - 10))\" y=\"\(f(ly - 14))\" width=\"205\" height=\"\(baseline == nil ? 62 : 80)\" fill=\"white\" stroke=\"#ccc\"/>\n"
        s += "<circle cx=\"\(f(lx))\" cy=\"\(f(ly))\" r=\"3\" fill=\"#bbb\"/><text x=\"\(f(lx + 12))\" y=\"\(f(ly + 4))\">feasible candidate (\(decision.feasible.count))</text>\n"
        s += "<circle cx=\"\(f(lx))\" cy=\"\(f(ly + 18))\" r=\"4.5\" fill=\"#1f77b4\"/><text x=\"\(f(lx + 12))\" y=\"\(f(ly + 22))\">Pareto front (\(decision.front.count))</text>\n"
        s += "<circle cx=\"\(f(lx))\" cy=\"\(f(ly + 36))\" r=\"7\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"3\"/><text x=\"\(f(lx + 12))\" y=\"\(f(ly + 40))\">chosen (cost \(Money.format(decision.weights.cost)) : latency \(Money.format(decision.weights.latency)))</text>\n"
        if baseline != nil {
            s += "<path d=\"M \(f(lx)) \(f(ly + 47)) L \(f(lx + 7)) \(f(ly + 54)) L \(f(lx)) \(f(ly + 61)) L \(f(lx - 7)) \(f(ly + 54)) Z\" fill=\"#ff7f0e\"/><text x=\"\(f(lx + 12))\" y=\"\(f(ly + 58))\">baseline</text>\n"
        }
        return s + "</svg>\n"
    }

    private func escape(_ t: String) -> String {
        t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

import FedSpec

/// A linear axis with "nice" ticks (1, 2 or 5 × 10^k apart) covering the data with a margin.
struct Axis {
    let low: Double, high: Double, ticks: [Double]

    init(min lo: Double, max hi: Double) {
        let span = hi > lo ? hi - lo : max(abs(hi), 1)
        let raw = span / 5
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let first = floor((lo - span * 0.05) / step) * step
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
