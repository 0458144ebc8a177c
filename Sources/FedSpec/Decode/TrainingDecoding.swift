extension SpecDecoder {
    static let defaultRetry = RetryPolicy(attempts: 3, taskTimeout: TimeSpan(milliseconds: 60_000))
    static let defaultRoundDeadline = TimeSpan(milliseconds: 120_000)

    /// Best-effort like the other sections: a failed field keeps its default (its error recorded).
    func decodeTraining(_ f: Field, participantCount: Int) -> TrainingSpec? {
        guard let m = f.mapping(["model", "trainer", "strategy", "rounds", "epochs", "batchSize", "learningRate",
                                 "minParticipants", "retry", "roundDeadline", "trim", "clipNorm", "classes", "features",
                                 "runtime", "flower"]) else { return nil }
        var t = Self.placeholderTraining
        t.minParticipants = max(1, participantCount)
        if let v = m["model"].flatMap(decodeModelFile) { t.model = v }
        if let (v, persistent) = m["trainer"].flatMap(decodeTrainer) {
            t.trainer = v
            t.persistentTrainer = persistent
        }
        if let v = m["strategy"]?.oneOf(TrainingSpec.Strategy.self) { t.strategy = v }
        if let tf = m["trim"], let v = tf.double(nonNegative: true) {
            if t.strategy != .trimmedMean {
                tf.error("trim applies to strategy: trimmed-mean only (strategy is \(t.strategy.rawValue))")
            } else if v >= 0.5 {
                tf.error("expected a fraction below 0.5 (dropped at each end), got \(tf.got)")
            } else { t.trim = v }
        }
        if let v = m["clipNorm"]?.double(positive: true) { t.clipNorm = v }
        if let cf = m["classes"], let list = cf.stringList() {
            if list.count < 2 { cf.error("list at least two classes (label values in order)") }
            else if Set(list).count != list.count { cf.error("class names must be distinct") }
            else { t.classes = list }
        }
        if let v = m["features"]?.int(atLeast: 1) { t.features = v }
        if let v = m.required("rounds")?.int(atLeast: 1) { t.rounds = v }
        if let v = m["epochs"]?.int(atLeast: 1) { t.epochs = v }
        if let v = m["batchSize"]?.int(atLeast: 1) { t.batchSize = v }
        if let v = m["learningRate"]?.double(positive: true) { t.learningRate = v }
        if let mpf = m["minParticipants"] {
            t.minParticipantsMark = mpf.mark
            if let v = mpf.int(atLeast: 1) { t.minParticipants = v }
        }
        if let v = m["retry"].flatMap(decodeRetry) { t.retry = v }
        if let df = m["roundDeadline"], let v = df.unit(TimeSpan.parse) {
            if v.milliseconds > 0 { t.roundDeadline = v } else { df.error("expected a positive duration, got \(df.got)") }
        }
        decodeRuntime(m, into: &t)
        return t
    }

    private func decodeModelFile(_ f: Field) -> TrainingSpec.ModelFile? {
        guard let m = f.mapping(["file", "size"]) else { return nil }
        var model = TrainingSpec.ModelFile(file: nil, size: nil)
        if let ff = m["file"] { guard let v = ff.text() else { return nil }; model.file = v }
        if let sf = m["size"] {
            guard let v = sf.unit(ByteSize.parse) else { return nil }
            guard v.bytes > 0 else { sf.error("expected a positive size, got \(sf.got)"); return nil }
            model.size = v
        }
        return model
    }

    /// The trainer, and whether it is persistent (`persistent: true` beside `command`: the
    /// program starts once per run on each VM; a built-in trainer runs inside the agent).
    private func decodeTrainer(_ f: Field) -> (TrainingSpec.Trainer, Bool)? {
        guard let m = f.mapping(["builtin", "command", "persistent"]) else { return nil }
        var persistent = false
        if let pf = m["persistent"], let v = pf.bool() {
            if v && m["command"] == nil {
                pf.error("persistent applies to a command trainer only (a built-in trainer runs inside the agent)")
            } else { persistent = v }
        }
        guard let trainer = decodeTrainerKind(m, f) else { return nil }
        return (trainer, persistent)
    }

    private func decodeTrainerKind(_ m: MappingReader, _ f: Field) -> TrainingSpec.Trainer? {
        switch (m["builtin"], m["command"]) {
        case (let b?, nil):
            return b.oneOf(TrainingSpec.BuiltinTrainer.self).map { .builtin($0) }
        case (nil, let c?):
            guard let argv = c.stringList() else { return nil }
            guard !argv.isEmpty else { c.error("give the program and its arguments, e.g. [python3, train.py]"); return nil }
            return .command(argv)
        default:
            f.error("give exactly one of builtin or command")
            return nil
        }
    }

    private func decodeRetry(_ f: Field) -> RetryPolicy? {
        guard let m = f.mapping(["attempts", "taskTimeout"]) else { return nil }
        var r = Self.defaultRetry
        if let af = m["attempts"] { guard let a = af.int(atLeast: 1) else { return nil }; r.attempts = a }
        if let tf = m["taskTimeout"] {
            guard let t = tf.unit(TimeSpan.parse) else { return nil }
            guard t.milliseconds > 0 else { tf.error("expected a positive duration, got \(tf.got)"); return nil }
            r.taskTimeout = t
        }
        return r
    }
}
