import Foundation

/// Decodes a node tree into a `Spec`, collecting every problem rather than stopping at the first.
struct SpecDecoder {
    let ctx: DecodeContext

    static let topLevelKeys = ["apiVersion", "kind", "metadata", "clouds", "aggregator", "participants",
                               "training", "models", "policy", "catalog", "state"]

    /// nil only when the document is not a mapping at all.
    func decode(_ root: YAMLNode) -> Spec? {
        let top = Field(node: root, path: .root, ctx: ctx)
        guard case .mapping = root.kind else {
            // Said once and without quoting the file: it may be anything (`-f /etc/shadow`).
            top.error("a spec is a mapping with apiVersion, kind, metadata, clouds, aggregator, participants and training; this file holds \(root.kindName), so it is not a fedplane spec")
            return nil
        }
        // A mapping without a single spec field is some other file (`-f /etc/shadow`): said once,
        // without listing (and so quoting) each of its keys.
        if case .mapping(let pairs) = root.kind, !pairs.isEmpty,
           !pairs.contains(where: { p in p.key.scalar.map { Self.topLevelKeys.contains($0) || $0.hasPrefix("x-") } ?? false }) {
            top.error("not a fedplane spec: none of its \(pairs.count) top-level keys is a spec field (a spec has apiVersion: \(Spec.apiVersion), kind: \(Spec.kind), metadata, clouds, aggregator, participants and training)")
            return nil
        }
        let m = MappingReader(top, known: Self.topLevelKeys, allowExtensions: true)

        if let f = m.required("apiVersion"), let v = f.string(), v != Spec.apiVersion {
            f.error("unsupported apiVersion \"\(v)\"; this fedplane reads \(Spec.apiVersion)")
        }
        if let f = m.required("kind"), let v = f.string(), v != Spec.kind {
            f.error("unsupported kind \"\(v)\"; expected \(Spec.kind)")
        }
        // Each section decodes best-effort (placeholders where a field failed, its error already
        // recorded), so cross-reference rules still run and one pass reports everything. A spec
        // with any error is never returned to callers (see SpecLoader).
        let metadata = m.required("metadata").flatMap(decodeMetadata)
            ?? Metadata(name: "", labels: [:], mark: root.mark)
        let policy = m["policy"].map(decodePolicy) ?? Policy()
        let clouds = m.required("clouds").map(decodeClouds) ?? []
        let aggregator = m.required("aggregator").flatMap(decodeAggregator) ?? Self.placeholderAggregator(root.mark)
        let participants = m.required("participants").map(decodeParticipants) ?? []
        let training = m.required("training").flatMap { decodeTraining($0, participantCount: participants.count) }
            ?? Self.placeholderTraining
        let models = m["models"].map(decodeModels) ?? ModelsSpec(select: ModelSelection(metric: .f1, goal: .max, constraints: []))
        let catalog = m["catalog"].flatMap { $0.text() }
        let state = m["state"].flatMap(decodeState)

        return Spec(file: ctx.file, metadata: metadata, clouds: clouds, aggregator: aggregator,
                    participants: participants, training: training, models: models, policy: policy,
                    catalogFile: catalog, state: state)
    }

    static func placeholderAggregator(_ mark: SourceMark) -> AggregatorSpec {
        AggregatorSpec(candidates: .init(clouds: [], cloudMarks: [], regions: [], instanceTypes: []),
                       requirements: .init(maxCost: nil, maxRoundLatency: nil, minVcpu: 1, minMemoryGiB: 0),
                       weights: Weights(cost: 1, latency: 1)!, optimizer: .defaults, service: .init(), mark: mark)
    }

    static let placeholderTraining = TrainingSpec(
        model: .init(file: nil, size: nil), trainer: .builtin(.logistic), strategy: .fedavg, rounds: 1, epochs: 1,
        batchSize: 32, learningRate: 0.05, minParticipants: 1, minParticipantsMark: nil,
        retry: defaultRetry, roundDeadline: defaultRoundDeadline)

    /// `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`, checked by hand: a regex per name was most of the
    /// time of validating a large spec.
    static func isValidName(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard !u.isEmpty, u.count <= 63, u.first != UInt8(ascii: "-"), u.last != UInt8(ascii: "-") else { return false }
        return u.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
    }

    /// Names become resource addresses, file names and state keys, so they are kept DNS-label-like.
    func name(_ f: Field) -> String? {
        guard let s = f.text() else { return nil }
        guard Self.isValidName(s) else {
            f.error("invalid name \(f.got); use lowercase letters, digits and '-' (at most 63, not starting or ending with '-')")
            return nil
        }
        return s
    }

    private func decodeMetadata(_ f: Field) -> Metadata? {
        guard let m = f.mapping(["name", "labels"]) else { return nil }
        var labels: [String: String] = [:]
        if let lf = m["labels"] {
            if case .mapping(let pairs) = lf.node.kind {
                for p in pairs {
                    let vf = Field(node: p.value, path: lf.path.appending(p.key.scalar ?? "?"), ctx: ctx)
                    if let k = p.key.scalar, let v = vf.string() { labels[k] = v }
                }
            } else {
                lf.error("expected a mapping of label names to values, got \(lf.got)")
            }
        }
        let n = m.required("name").flatMap(name) ?? ""
        return Metadata(name: n, labels: labels, mark: f.mark)
    }

    private func decodePolicy(_ f: Field) -> Policy {
        var p = Policy()
        guard let m = f.mapping(["allowPrivateAggregator", "allowPublicParticipants"]) else { return p }
        if let v = m["allowPrivateAggregator"]?.bool() { p.allowPrivateAggregator = v }
        if let v = m["allowPublicParticipants"]?.bool() { p.allowPublicParticipants = v }
        return p
    }

    private func decodeModels(_ f: Field) -> ModelsSpec {
        var select = ModelSelection(metric: .f1, goal: .max, constraints: [])
        guard let m = f.mapping(["select"]), let sf = m["select"],
              let s = sf.mapping(["metric", "goal", "constraints"]) else { return ModelsSpec(select: select) }
        if let v = s["metric"]?.oneOf(ModelSelection.Metric.self) { select.metric = v }
        select.goal = s["goal"]?.oneOf(ModelSelection.Goal.self) ?? (select.metric == .loss ? .min : .max)
        if let cf = s["constraints"], let cm = cf.mapping(ModelSelection.Metric.allCases.map(\.rawValue)) {
            for key in cm.keys {
                guard let metric = ModelSelection.Metric(rawValue: key), let vf = cm[key] else { continue }
                if let c = Self.constraint(vf, metric) { select.constraints.append(c) }
            }
        }
        return ModelsSpec(select: select)
    }

    /// `">= 0.85"` → (>=, 0.85).
    static func constraint(_ f: Field, _ metric: ModelSelection.Metric) -> ModelSelection.Constraint? {
        guard let s = f.string() else { return nil }
        let t = s.trimmingCharacters(in: .whitespaces)
        for op in [">=", "<=", ">", "<", "=="] where t.hasPrefix(op) {
            let rest = t.dropFirst(op.count).trimmingCharacters(in: .whitespaces)
            if let v = Double(rest), v.isFinite { return .init(metric: metric, op: op, value: v) }
        }
        f.error("expected a comparison such as \">= 0.85\", got \(f.got)")
        return nil
    }
}
