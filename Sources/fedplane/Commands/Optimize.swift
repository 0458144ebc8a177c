import ArgumentParser
import FedDigest
import FedCatalog
import FedPlan
import FedSpec
import FedState
import Foundation

extension Fedplane {
    struct Optimize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place the aggregator: the Pareto front of cost and round latency, and the point the weights pick.",
            discussion: "Needs no credentials and touches no cloud: it reads the spec and the bundled catalog."
        )

        @OptionGroup var spec: SpecOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .customLong("weights"), help: "Override the spec's weights: cost:latency as papers print it (9:1), or cost=0.9,latency=0.1.")
        var weights: String?

        @Option(name: .customLong("svg"), help: "Also draw the candidates, the front, the choice, the baseline and the limits to this SVG file.")
        var svg: String?

        @Option(name: .customLong("projections"), help: "Also draw the front in 2-D projections, one SVG per pair of the spec's objectives (cost-latency.svg, cost-carbon.svg, …), into this directory.")
        var projections: String?

        @Flag(name: .customLong("compare-baseline"), help: "Compare the choice with the unoptimised default placement.")
        var compareBaseline = false

        func validate() throws { _ = try parsedWeights() }

        func parsedWeights() throws -> Weights? {
            guard let weights else { return nil }
            do { return try Weights(argument: weights) } catch let e as WeightsArgumentError { throw ValidationError(e.message) }
        }

        func run() throws {
            do {
                let ws = try Workspace.load(specPath: spec.file, statePath: nil, credentialCheck: .skip)
                if Placement.onPrivateCloud(ws.spec) != nil {
                    print("The aggregator's candidates are private clouds (\(ws.spec.aggregator.candidates.clouds.joined(separator: ", "))): it runs on the first one, with no prices to compare.")
                    return
                }
                // Finished runs measured how long a run lasts: price over that, as `plan` does.
                // An unreadable state leaves the deadline rule (optimize changes nothing).
                let state = try? ((try? ws.openState(create: false)) ?? nil)?.snapshot()
                if ws.spec.aggregator.topology == .hierarchical {
                    try runHierarchical(ws, state: state)
                    return
                }
                let override = try parsedWeights()
                if let w = override {
                    let unused = PlacementObjective.allCases.filter { w[$0] > 0 && !ws.spec.aggregator.objectives.contains($0) }
                    if !unused.isEmpty {
                        throw ValidationError("--weights: \(unused.map(\.rawValue).joined(separator: ", ")) is not among the spec's aggregator.objectives (\(ws.spec.aggregator.objectives.map(\.rawValue).joined(separator: ", ")))")
                    }
                }
                let optimizer = ws.optimizer(weights: override, state: state)
                // As `plan` chooses: the recorded placement is kept while it scores as well.
                let decision = try optimizer.decide(recorded: Workspace.recordedPlacement(state))
                let baseline = compareBaseline ? try Baseline.estimate(optimizer.model) : nil
                if let svg {
                    // The chart always marks the baseline: it is what the choice is measured against.
                    let chart = FrontChart(decision: decision, baseline: try baseline ?? Baseline.estimate(optimizer.model),
                                           title: "\(ws.spec.metadata.name): aggregator placements (\(ws.catalog.version))",
                                           limits: FrontChart.Limits(ws.spec))
                    try OutputFile(svg).write(chart.svg())
                }
                var projected: [String] = []
                if let projections {
                    try FileManager.default.createDirectory(atPath: projections, withIntermediateDirectories: true)
                    for (x, y) in ProjectionChart.pairs(decision) {
                        let chart = ProjectionChart(decision: decision, title: "\(ws.spec.metadata.name): \(x.rawValue) vs \(y.rawValue)", x: x, y: y)
                        let path = (projections as NSString).appendingPathComponent(chart.fileName)
                        try OutputFile(path).write(chart.svg())
                        projected.append(path)
                    }
                }
                if output.json {
                    print(OptimizeView.json(decision, baseline: baseline, catalog: ws.catalog.version).canonical)
                } else {
                    print(OptimizeView.table(decision, baseline: baseline, compare: compareBaseline), terminator: "")
                    if let d = ws.measuredDuration(state: state) { print("\nRun duration: \(d)") }
                    if let svg { print("\nWrote the chart to \(svg).") }
                    if !projected.isEmpty { print("\nWrote \(projected.count) projection\(projected.count == 1 ? "" : "s") of the front: \(projected.joined(separator: ", ")).") }
                }
            } catch let e as PlacementInfeasible {
                Console.stderr("\(spec.file): aggregator: \(e.message)")
                throw ExitCode.failure
            } catch {
                throw Failure.report(error, specPath: spec.file)
            }
        }

        /// `topology: hierarchical`: NSGA-II's front of layouts, the choice, and the flat choice
        /// with the same weights for comparison.
        func runHierarchical(_ ws: Workspace, state: StateSnapshot?) throws {
            let weights = try parsedWeights() ?? ws.spec.aggregator.weights
            let model = ws.placementModel(state: state)
            let decision = try HierarchicalOptimizer(model: model, settings: ws.spec.aggregator.optimizer, weights: weights)
                .decide(recorded: Workspace.recordedLayout(state))
            let flat = try? AggregatorOptimizer(model: model, settings: ws.spec.aggregator.optimizer, weights: weights).decide()
            var projected: [String] = []
            if let projections {
                try FileManager.default.createDirectory(atPath: projections, withIntermediateDirectories: true)
                for (x, y) in ProjectionChart.pairs(decision.objectives) {
                    let chart = ProjectionChart(hierarchical: decision, title: "\(ws.spec.metadata.name): hierarchical, \(x.rawValue) vs \(y.rawValue)", x: x, y: y)
                    let path = (projections as NSString).appendingPathComponent(chart.fileName)
                    try OutputFile(path).write(chart.svg())
                    projected.append(path)
                }
            }
            if output.json {
                print(HierarchicalView.json(decision, flat: flat, catalog: ws.catalog.version).canonical)
            } else {
                print(HierarchicalView.table(decision, flat: flat), terminator: "")
                if let d = ws.measuredDuration(state: state) { print("\nRun duration: \(d)") }
                if !projected.isEmpty { print("\nWrote \(projected.count) projection\(projected.count == 1 ? "" : "s") of the front: \(projected.joined(separator: ", ")).") }
            }
        }
    }
}

enum HierarchicalView {
    static func table(_ d: HierarchicalDecision, flat: PlacementDecision?) -> String {
        let w = d.objectives.map { "\($0.rawValue) \(Money.format(d.weights[$0]))" }.joined(separator: ", ")
        var out = "Hierarchical placement: NSGA-II front of \(d.front.count) layouts (up to \(d.maxRegional) regional aggregators over \(d.sites) sites; population \(d.settings.population), \(d.settings.generations) generations, seed \(d.settings.seed)); * = chosen with weights \(w)\n\n"
        var rows = [["", "regional", "global aggregator", "cost/run (\(d.currency))", "round latency (ms)", "carbon/run (kg CO2e)", "egress/run (GB)"]]
        for (i, p) in d.front.enumerated() {
            rows.append([i == d.chosen ? "*" : "", "\(p.regional.count)", p.global.label, Money.format(p.cost), Money.format(p.latencyMs),
                         OptimizeView.kg(p.carbonKg), Money.format(p.egressGB)])
        }
        out += render(rows)
        let c = d.choice
        out += "\nChosen: global \(c.global.label)" + (c.direct.isEmpty ? "" : " serving \(c.direct.joined(separator: ", ")) directly")
            + (d.keptRecorded ? " (kept: the layout the state records scores as well as the best)" : "") + "\n"
        for r in c.regional { out += "  regional \(r.site.label) serving \(r.participants.joined(separator: ", "))\n" }
        out += "  \(Money.format(c.cost)) \(d.currency), \(Money.format(c.latencyMs)) ms, \(OptimizeView.kg(c.carbonKg)) kg CO2e, \(Money.format(c.egressGB)) GB across clouds per run\n"
        if let f = flat {
            let e = f.choice
            out += "Flat choice with the same weights: \(e.label) — \(Money.format(e.cost)) \(d.currency), \(Money.format(e.roundLatencyMs)) ms, \(OptimizeView.kg(e.carbonKgCO2e ?? 0)) kg CO2e, \(Money.format(e.egressGB)) GB across clouds per run\n"
        }
        return out
    }

    static func json(_ d: HierarchicalDecision, flat: PlacementDecision?, catalog: String) -> JSONValue {
        func site(_ c: CandidateEstimate) -> JSONValue {
            ["cloud": .string(c.specCloud), "region": .string(c.region.region), "instance_type": .string(c.instanceType)]
        }
        func point(_ p: HierarchicalPoint) -> JSONValue {
            ["global": site(p.global),
             "regional": .array(p.regional.map { ["site": site($0.site), "participants": .array($0.participants.map { .string($0) })] }),
             "direct": .array(p.direct.map { .string($0) }),
             "cost": .number(p.cost), "round_latency_ms": .number(p.latencyMs), "carbon_kg_co2e": .number(p.carbonKg), "egress_gb": .number(p.egressGB)]
        }
        var doc: [String: JSONValue] = [
            "topology": "hierarchical", "catalog_version": .string(catalog), "currency": .string(d.currency),
            "max_regional": .number(Double(d.maxRegional)), "sites": .number(Double(d.sites)),
            "objectives": .array(d.objectives.map { .string($0.rawValue) }),
            "weights": .object(Dictionary(uniqueKeysWithValues: d.objectives.map { ($0.rawValue, JSONValue.number(d.weights[$0])) })),
            "front": .array(d.front.map(point)), "chosen": point(d.choice),
        ]
        if let f = flat {
            let e = f.choice
            doc["flat_chosen"] = ["global": site(e), "cost": .number(e.cost), "round_latency_ms": .number(e.roundLatencyMs),
                                  "carbon_kg_co2e": .number(e.carbonKgCO2e ?? 0), "egress_gb": .number(e.egressGB)]
        }
        return .object(doc)
    }

    static func render(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i >= 3 ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }
}

enum OptimizeView {
    static func table(_ d: PlacementDecision, baseline: CandidateEstimate?, compare: Bool) -> String {
        // Carbon and egress columns appear only when the spec lists them (two-objective output is unchanged).
        let extra = d.extendedObjectives ? d.objectives.filter { $0 == .carbon || $0 == .egress } : []
        var rows = [["", "cloud", "region", "instance type", "vCPU", "GiB", "cost/run (\(d.currency))", "round latency (ms)"]
            + extra.map { $0 == .carbon ? "carbon/run (kg CO2e)" : "egress/run (GB)" }]
        for i in d.front {
            let c = d.candidates[i]
            rows.append([i == d.chosen ? "*" : "", c.specCloud, c.region.region, c.instanceType, "\(c.offer.type.vcpu)",
                         Money.format(c.offer.type.memoryGiB), Money.format(c.cost), Money.format(c.roundLatencyMs)]
                + extra.map { $0 == .carbon ? kg(c.carbonKgCO2e ?? 0) : Money.format(c.egressGB) })
        }
        var out = "Pareto front of \(d.feasible.count) feasible placements (of \(d.candidates.count) candidates); * = chosen with weights \(d.weightsPhrase(separator: ", "))\n\n"
        out += "Front: \(d.search.sentence(frontIsExact: d.frontIsExact)).\n\n"
        out += render(rows)
        let c = d.choice
        out += "\nChosen: \(c.label) — \(Money.format(c.cost)) \(d.currency) per run (compute \(usd(c.computeUSD)), egress \(usd(c.egressUSD))), "
        out += "\(Money.format(c.roundLatencyMs)) ms per round (slowest: \(c.slowestParticipant), RTT \(Money.format(c.rttMs)) ms + transfer \(Money.format(c.transferMs)) ms + aggregation \(Money.format(c.aggregationMs)) ms)\n"
        if d.keptRecorded { out += "Kept: the placement the state records scores as well as the best.\n" }
        if d.extendedObjectives {
            if let e = c.carbon {
                out += "Carbon: \(kg(e.kgCO2e)) kg CO2e per run (\(String(format: "%.3f", e.kWh)) kWh at PUE \(e.pue) × \(Money.format(e.gridGramsPerKWh)) g/kWh; \(String(format: "%.2f", e.wattsPerVcpu)) W per vCPU)\n"
            }
            out += "Egress: \(Money.format(c.egressGB)) GB per run crosses a cloud boundary\n"
        }
        if compare {
            if let b = baseline {
                out += "Baseline (the first participant's home region, cheapest type meeting the minimums): \(b.label) — \(Money.format(b.cost)) \(d.currency), \(Money.format(b.roundLatencyMs)) ms\n"
                out += "Change: cost \(percent(Baseline.change(c.cost, from: b.cost))), round latency \(percent(Baseline.change(c.roundLatencyMs, from: b.roundLatencyMs)))\n"
            } else {
                out += "Baseline: none (the first participant's home region has no candidate instance type meeting the minimums)\n"
            }
        }
        return out
    }

    static func json(_ d: PlacementDecision, baseline: CandidateEstimate?, catalog: String) -> JSONValue {
        func plain(_ c: CandidateEstimate) -> JSONValue {
            ["cloud": .string(c.specCloud), "region": .string(c.region.region), "instance_type": .string(c.instanceType),
             "vcpu": .number(Double(c.offer.type.vcpu)), "memory_gib": .number(c.offer.type.memoryGiB),
             "cost": .number(c.cost), "cost_usd": .number(c.costUSD), "round_latency_ms": .number(c.roundLatencyMs)]
        }
        func entry(_ c: CandidateEstimate) -> JSONValue {
            guard d.extendedObjectives, case .object(var o) = plain(c) else { return plain(c) }
            if let kg = c.carbonKgCO2e { o["carbon_kg_co2e"] = .number(kg) }
            o["egress_gb"] = .number(c.egressGB)
            return .object(o)
        }
        var doc: [String: JSONValue] = [
            "catalog_version": .string(catalog), "currency": .string(d.currency),
            "weights": ["cost": .number(d.weights.cost), "latency": .number(d.weights.latency)],
            "candidates": .number(Double(d.candidates.count)), "feasible": .number(Double(d.feasible.count)),
            "front": .array(d.front.map { entry(d.candidates[$0]) }), "chosen": entry(d.choice),
            "front_exact": .bool(d.frontIsExact),
        ]
        var search: [String: JSONValue] = [
            "algorithm": "nsga2", "population": .number(Double(d.search.settings.population)),
            "generations": .number(Double(d.search.settings.generations)), "seed": .number(Double(d.search.settings.seed)),
            "front": .array(d.search.front.map { entry(d.candidates[$0]) }),
        ]
        if let a = d.search.agreement {
            search["exact_front_points"] = .number(Double(a.exactPoints))
            search["found_points"] = .number(Double(a.foundPoints))
            search["dominated_points"] = .number(Double(a.extraPoints))
            search["found_exact_front"] = .bool(a.isExact)
        }
        doc["search"] = .object(search)
        if d.extendedObjectives {
            doc["objectives"] = .array(d.objectives.map { .string($0.rawValue) })
            doc["weights"] = .object(Dictionary(uniqueKeysWithValues: d.objectives.map { ($0.rawValue, JSONValue.number(d.weights[$0])) }))
            doc["carbon_catalog_version"] = .string(CarbonCatalog.bundled.version)
        }
        if let b = baseline {
            doc["baseline"] = entry(b)
            doc["change_percent"] = ["cost": .number(Baseline.change(d.choice.cost, from: b.cost)),
                                     "round_latency": .number(Baseline.change(d.choice.roundLatencyMs, from: b.roundLatencyMs))]
        }
        return .object(doc)
    }

    static func usd(_ x: Double) -> String { String(format: "$%.2f", x) }
    /// An idle aggregator emits grams per run: four significant digits, whatever the magnitude.
    static func kg(_ x: Double) -> String { String(format: "%.4g", x) }
    static func percent(_ x: Double) -> String { String(format: "%+.1f%%", x) }

    static func render(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i >= 4 ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }
}
