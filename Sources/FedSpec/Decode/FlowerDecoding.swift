extension SpecDecoder {
    /// `training.runtime` and `training.flower`: the Flower section goes with `runtime: flower`
    /// and with nothing else.
    func decodeRuntime(_ m: MappingReader, into t: inout TrainingSpec) {
        if let v = m["runtime"]?.oneOf(TrainingSpec.Runtime.self) { t.runtime = v }
        let flowerField = m["flower"]
        switch (t.runtime, flowerField) {
        case (.flower, nil):
            if let rf = m["runtime"] { rf.error("runtime: flower needs training.flower with at least app (the Flower app's directory)") }
        case (.builtin, let f?):
            f.error("training.flower applies to runtime: flower only (add runtime: flower beside it, or remove it)")
        case (.flower, let f?):
            t.flower = decodeFlower(f)
        case (.builtin, nil):
            break
        }
    }

    private func decodeFlower(_ f: Field) -> FlowerSpec? {
        guard let m = f.mapping(["app", "federation", "runConfig", "python"]) else { return nil }
        guard let af = m.required("app"), let app = af.text() else { return nil }
        var spec = FlowerSpec(app: app, appMark: af.mark)
        if let ff = m["federation"], let v = ff.text() {
            if Self.isValidName(v) { spec.federation = v } else {
                ff.error("expected a name of lowercase letters, digits and '-' (it names the SuperLink connection in Flower's config.toml), got \(ff.got)")
            }
        }
        if let pf = m["python"], let v = pf.text() { spec.python = v }
        if let rf = m["runConfig"], let rm = rf.mapping([], hidden: Set(Self.runConfigKeys(rf))) {
            for key in rm.keys {
                guard let vf = rm[key] else { continue }
                if key.hasPrefix("fedplane-") {
                    vf.error("run-config keys starting with fedplane- are set by fedplane itself (see README: Flower apps on fedplane infrastructure)")
                    continue
                }
                if let v = Self.flowerValue(vf) { spec.runConfig.append(.init(key: key, value: v)) }
            }
        }
        return spec
    }

    private static func runConfigKeys(_ f: Field) -> [String] {
        guard case .mapping(let pairs) = f.node.kind else { return [] }
        return pairs.compactMap { $0.key.scalar }
    }

    /// A run-config value: a quoted scalar is a string; a plain one is a bool, an integer, a
    /// number or else a string (as in TOML, which Flower reads it as).
    private static func flowerValue(_ f: Field) -> FlowerSpec.Value? {
        guard case .scalar(let s, let style) = f.node.kind, !f.node.isNull else {
            f.error("expected a string, number or boolean, got \(f.got)")
            return nil
        }
        if style != .plain { return .string(s) }
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        if let i = Int(s) { return .integer(i) }
        if let d = Double(s), d.isFinite { return .number(d) }
        return .string(s)
    }
}
