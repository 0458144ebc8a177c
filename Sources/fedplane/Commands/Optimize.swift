import ArgumentParser
import FedDigest
import FedPlan
import FedSpec
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
                let optimizer = ws.optimizer(weights: try parsedWeights())
                let decision = try optimizer.decide()
                let baseline = compareBaseline ? try Baseline.estimate(optimizer.model) : nil
                if let svg {
                    // The chart always marks the baseline: it is what the choice is measured against.
                    let chart = FrontChart(decision: decision, baseline: try baseline ?? Baseline.estimate(optimizer.model),
                                           title: "\(ws.spec.metadata.name): aggregator placements (\(ws.catalog.version))",
                                           limits: FrontChart.Limits(ws.spec))
                    try OutputFile(svg).write(chart.svg())
                }
                if output.json {
                    print(OptimizeView.json(decision, baseline: baseline, catalog: ws.catalog.version).canonical)
                } else {
                    print(OptimizeView.table(decision, baseline: baseline, compare: compareBaseline), terminator: "")
                    if let svg { print("\nWrote the chart to \(svg).") }
                }
            } catch let e as PlacementInfeasible {
                Console.stderr("\(spec.file): aggregator: \(e.message)")
                throw ExitCode.failure
            } catch {
                throw Failure.report(error, specPath: spec.file)
            }
        }
    }
}

enum OptimizeView {
    static func table(_ d: PlacementDecision, baseline: CandidateEstimate?, compare: Bool) -> String {
        var rows = [["", "cloud", "region", "instance type", "vCPU", "GiB", "cost/run (\(d.currency))", "round latency (ms)"]]
        for i in d.front {
            let c = d.candidates[i]
            rows.append([i == d.chosen ? "*" : "", c.specCloud, c.region.region, c.instanceType, "\(c.offer.type.vcpu)",
                         Money.format(c.offer.type.memoryGiB), Money.format(c.cost), Money.format(c.roundLatencyMs)])
        }
        var out = "Pareto front of \(d.feasible.count) feasible placements (of \(d.candidates.count) candidates); * = chosen with weights cost \(Money.format(d.weights.cost)), latency \(Money.format(d.weights.latency))\n\n"
        out += "Front: \(d.search.sentence(frontIsExact: d.frontIsExact)).\n\n"
        out += render(rows)
        let c = d.choice
        out += "\nChosen: \(c.label) — \(Money.format(c.cost)) \(d.currency) per run (compute \(usd(c.computeUSD)), egress \(usd(c.egressUSD))), "
        out += "\(Money.format(c.roundLatencyMs)) ms per round (slowest: \(c.slowestParticipant), RTT \(Money.format(c.rttMs)) ms + transfer \(Money.format(c.transferMs)) ms + aggregation \(Money.format(c.aggregationMs)) ms)\n"
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
        func entry(_ c: CandidateEstimate) -> JSONValue {
            ["cloud": .string(c.specCloud), "region": .string(c.region.region), "instance_type": .string(c.instanceType),
             "vcpu": .number(Double(c.offer.type.vcpu)), "memory_gib": .number(c.offer.type.memoryGiB),
             "cost": .number(c.cost), "cost_usd": .number(c.costUSD), "round_latency_ms": .number(c.roundLatencyMs)]
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
        if let b = baseline {
            doc["baseline"] = entry(b)
            doc["change_percent"] = ["cost": .number(Baseline.change(d.choice.cost, from: b.cost)),
                                     "round_latency": .number(Baseline.change(d.choice.roundLatencyMs, from: b.roundLatencyMs))]
        }
        return .object(doc)
    }

    static func usd(_ x: Double) -> String { String(format: "$%.2f", x) }
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
