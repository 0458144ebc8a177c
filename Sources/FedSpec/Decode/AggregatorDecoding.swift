extension SpecDecoder {
    func decodeAggregator(_ f: Field) -> AggregatorSpec? {
        guard let m = f.mapping(["candidates", "requirements", "weights", "optimizer", "host", "port", "bind", "objectives", "topology", "maxRegional", "regionalHosts"]) else { return nil }
        var a = Self.placeholderAggregator(f.mark)
        if let c = m.required("candidates").flatMap(decodeCandidates) { a.candidates = c }
        if let r = m["requirements"].flatMap(decodeRequirements) { a.requirements = r }
        if let of = m["objectives"], let o = decodeObjectives(of) { a.objectives = o }
        if let tf = m["topology"], let t = tf.oneOf(AggregatorSpec.Topology.self) {
            a.topology = t
            a.topologyMark = tf.mark
        }
        if let kf = m["maxRegional"], let k = kf.int(atLeast: 1) {
            if a.topology != .hierarchical {
                kf.error("maxRegional applies to topology: hierarchical; add it or drop maxRegional")
            } else {
                a.maxRegional = k
            }
        }
        if let w = m["weights"].flatMap({ decodeWeights($0, objectives: a.objectives) }) {
            a.weights = w
        } else if m["weights"] == nil, a.objectives != PlacementObjective.defaults {
            // Listed objectives weigh equally unless the spec says otherwise.
            let on = Set(a.objectives)
            func w(_ o: PlacementObjective) -> Double { on.contains(o) ? 1 : 0 }
            a.weights = Weights(cost: w(.cost), latency: w(.latency), carbon: w(.carbon), egress: w(.egress))!
        }
        if let o = m["optimizer"].flatMap(decodeOptimizer) { a.optimizer = o }
        if let h = m["host"]?.text() { a.service.host = h }
        if let pf = m["port"], let p = pf.int(atLeast: 0) {
            if p > 65535 { pf.error("expected a TCP port (1–65535, or 0 for any free port), got \(pf.got)") } else { a.service.port = p }
        }
        if let b = m["bind"]?.text() { a.service.bind = b }
        if let rf = m["regionalHosts"] {
            a.regionalHosts = decodeRegionalHosts(rf)
            a.regionalHostsMark = m.keyMark("regionalHosts") ?? rf.mark
        }
        return a
    }

    /// `regionalHosts: { <location>: <host> }`; which locations and clouds make sense is the
    /// validator's job (it sees the participants and providers).
    private func decodeRegionalHosts(_ f: Field) -> [AggregatorSpec.RegionalHost] {
        guard case .mapping(let pairs) = f.node.kind else {
            f.error("expected a mapping of participant locations to hosts (e.g. { aws/us-east-1: 10.0.0.5 }), got \(f.got)")
            return []
        }
        var out: [AggregatorSpec.RegionalHost] = []
        for p in pairs {
            guard let location = p.key.scalar else { continue }
            let hf = Field(node: p.value, path: f.path.appending(location), ctx: ctx)
            guard let host = hf.text() else { continue }
            if !Self.isHostAddress(host) {
                hf.error("expected a host name or IP address for the regional aggregator of location \(location), got \(hf.got)")
                continue
            }
            out.append(.init(location: location, host: host, locationMark: p.key.mark, hostMark: p.value.mark))
        }
        return out
    }

    /// A DNS name (letters, digits, `-`, `.`), an IPv4 address or an IPv6 address.
    static func isHostAddress(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 253 else { return false }
        if s.contains(":") { return s.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } && s.filter({ $0 == ":" }).count >= 2 }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { l in
            !l.isEmpty && l.count <= 63 && l.first != "-" && l.last != "-"
                && l.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
        }
    }

    private func decodeCandidates(_ f: Field) -> AggregatorSpec.Candidates? {
        guard let m = f.mapping(["clouds", "regions", "instanceTypes"]) else { return nil }
        guard let cf = m.required("clouds"), let items = cf.sequence() else { return nil }
        if items.isEmpty { cf.error("list at least one candidate cloud") }
        let clouds = items.compactMap { $0.text() }
        let regions = m["regions"].flatMap { $0.stringList() } ?? []
        let types = m["instanceTypes"].flatMap { $0.stringList() } ?? []
        guard clouds.count == items.count, !clouds.isEmpty else { return nil }
        return .init(clouds: clouds, cloudMarks: items.map(\.mark), regions: regions, instanceTypes: types)
    }

    private func decodeRequirements(_ f: Field) -> AggregatorSpec.Requirements? {
        guard let m = f.mapping(["maxCost", "maxRoundLatency", "minVcpu", "minMemoryGiB", "maxCarbon", "maxEgress"]) else { return nil }
        var r = AggregatorSpec.Requirements(maxCost: nil, maxRoundLatency: nil, minVcpu: 1, minMemoryGiB: 0)
        var ok = true
        if let cf = m["maxCost"] {
            r.maxCost = decodeMoney(cf)
            ok = ok && r.maxCost != nil
        }
        if let lf = m["maxRoundLatency"] {
            r.maxRoundLatency = lf.unit(TimeSpan.parse)
            if let l = r.maxRoundLatency, l.milliseconds <= 0 {
                lf.error("expected a positive duration, got \(lf.got)")
                r.maxRoundLatency = nil
            }
            ok = ok && r.maxRoundLatency != nil
        }
        if let vf = m["minVcpu"] {
            if let v = vf.int(atLeast: 1) { r.minVcpu = v } else { ok = false }
        }
        if let mf = m["minMemoryGiB"] {
            if let v = mf.double(positive: true) { r.minMemoryGiB = v } else { ok = false }
        }
        if let cf = m["maxCarbon"] {
            r.maxCarbon = cf.unit(CarbonMass.parse)
            if let c = r.maxCarbon, c.kilograms <= 0 {
                cf.error("expected a positive mass of CO2e per run (e.g. 2.5kg), got \(cf.got)")
                r.maxCarbon = nil
            }
            ok = ok && r.maxCarbon != nil
        }
        if let ef = m["maxEgress"] {
            r.maxEgress = ef.unit(ByteSize.parse)
            if let e = r.maxEgress, e.bytes <= 0 {
                ef.error("expected a positive size per run (e.g. 50GB), got \(ef.got)")
                r.maxEgress = nil
            }
            ok = ok && r.maxEgress != nil
        }
        return ok ? r : nil
    }

    func decodeMoney(_ f: Field) -> Money? {
        guard let m = f.mapping(["amount", "currency", "per"]) else { return nil }
        let amount = m.required("amount")?.double(positive: true)
        let currency = m.required("currency")?.oneOf(Currency.self)
        if let pf = m["per"], let per = pf.string(), per != "run" {
            pf.error("unknown value \"\(per)\"; limits are per run (the whole training run)")
            return nil
        }
        guard let amount, let currency else { return nil }
        return Money(amount: amount, currency: currency)
    }

    private func decodeWeights(_ f: Field, objectives: [PlacementObjective]) -> Weights? {
        guard let m = f.mapping(["cost", "latency", "carbon", "egress"]) else { return nil }
        var values: [PlacementObjective: Double] = [:]
        var ok = true
        for o in PlacementObjective.allCases {
            guard let vf = m[o.rawValue] else { continue }
            guard let v = vf.double(nonNegative: true) else { ok = false; continue }
            if !objectives.contains(o) {
                // A weight only moves the choice along an objective the front was built on.
                vf.error("\(o.rawValue) has a weight but is not among aggregator.objectives (\(objectives.map(\.rawValue).joined(separator: ", "))); add it there or drop the weight")
                ok = false
                continue
            }
            values[o] = v
        }
        guard ok else { return nil }
        let w: Weights?
        if objectives == PlacementObjective.defaults {
            w = Weights(cost: values[.cost] ?? 0, latency: values[.latency] ?? 0)
        } else {
            w = Weights(cost: values[.cost] ?? 0, latency: values[.latency] ?? 0, carbon: values[.carbon] ?? 0, egress: values[.egress] ?? 0)
        }
        guard let w else {
            f.error("at least one weight must be greater than 0")
            return nil
        }
        return w
    }

    /// `objectives: [cost, latency, carbon, egress]`: distinct, known, at least one.
    private func decodeObjectives(_ f: Field) -> [PlacementObjective]? {
        guard let items = f.sequence() else { return nil }
        if items.isEmpty {
            f.error("list at least one objective (cost, latency, carbon, egress)")
            return nil
        }
        var out: [PlacementObjective] = []
        var ok = true
        for item in items {
            guard let name = item.string() else { ok = false; continue }
            guard let o = PlacementObjective(rawValue: name) else {
                let known = PlacementObjective.allCases.map(\.rawValue)
                item.error("unknown objective \"\(name)\"\(Suggestion.hint(for: name, in: known)); the objectives are \(known.joined(separator: ", "))")
                ok = false
                continue
            }
            if out.contains(o) {
                item.error("objective \(name) is listed twice")
                ok = false
                continue
            }
            out.append(o)
        }
        return ok ? out : nil
    }

    private func decodeOptimizer(_ f: Field) -> OptimizerSettings? {
        guard let m = f.mapping(["algorithm", "population", "generations", "seed"]) else { return nil }
        var s = OptimizerSettings.defaults
        if let af = m["algorithm"], let a = af.string(), a != "nsga2" {
            af.error("unknown algorithm \"\(a)\"\(Suggestion.hint(for: a, in: ["nsga2"])); the optimizer is nsga2")
            return nil
        }
        if let pf = m["population"] {
            guard let p = pf.int(atLeast: 4, describe: "an even integer ≥ 4") else { return nil }
            guard p % 2 == 0 else {
                pf.error("expected an even integer ≥ 4 (pairs of parents), got \(p)")
                return nil
            }
            s.population = p
        }
        if let gf = m["generations"] {
            guard let g = gf.int(atLeast: 1) else { return nil }
            s.generations = g
        }
        if let sf = m["seed"] {
            guard let v = sf.int(atLeast: 0) else { return nil }
            s.seed = UInt64(v)
        }
        return s
    }
}
