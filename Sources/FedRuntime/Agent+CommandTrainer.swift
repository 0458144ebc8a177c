import FedTrace
import FedTrain
import FedWeights
import Foundation

/// A round with an external trainer (`trainer: { command: [...] }`), moving the model as files:
/// the global model streams from the aggregator into the trainer's input file (checked where it
/// lies, never decoded), and an F32 update is sent from the trainer's output file as written
/// (mapped, checked in place). The participant's split is written as CSV files once per VM and
/// run (it never changes between rounds). FEDPLANE_EPOCHS=0 makes the evaluation-only pass.
extension Agent {
    func runCommand(_ argv: [String], persistent: Bool, round: Int, evaluateOnly: Bool, participantIndex index: Int) throws {
        let config = assignment.config
        let client = AggregatorClient(base: assignment.aggregator, tls: assignment.tls)
        let trace = Tracer(role: "agent", participant: assignment.participant)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let files = ExternalCommandTrainer.Files(workingDirectory: cwd, round: round)
        try files.prepare(workingDirectory: cwd)
        try trace.span("download", round: round) { try client.downloadGlobal(round: round, toFile: files.weightsIn.path) }
        let globalHeader = try SafeTensors.header(ofFile: files.weightsIn.path)
        // The participant's own data is handed over where it lies on this host (the trainer reads
        // its own format); the built-in demo data is written here as CSV files.
        let ownData = config.data?.paths[assignment.participant].map { URL(fileURLWithPath: $0) }
        let dataDir = ownData ?? cwd.appendingPathComponent("data")
        if ownData == nil {
            try trace.span("data", round: round) { try Self.writeSplit(config: config, participant: assignment.participant, participantIndex: index, to: dataDir) }
        }

        let h = config.hyperparameters
        let context = RoundContext(round: round, participant: assignment.participant, participantIndex: index,
                                   participants: config.participants.count, epochs: evaluateOnly ? 0 : h.epochs,
                                   batchSize: h.batchSize, learningRate: h.learningRate,
                                   seed: RoundContext.taskSeed(runSeed: h.seed, round: round, participantIndex: index),
                                   dataDirectory: dataDir)
        let trainer = ExternalCommandTrainer(
            command: argv, classCount: config.data.flatMap { $0.classes.isEmpty ? nil : $0.classes.count } ?? Dataset.wdbc.classNames.count, timeout: assignment.taskTimeoutSeconds, persistent: persistent,
            readWeights: { try SafeTensors.read(contentsOfFile: $0.path) },
            writeWeights: { try SafeTensors.write($0, toFile: $1.path) })
        let started = Date()
        let update = try trainer.runRound(globalHeader: globalHeader, context: context, workingDirectory: cwd, files: files)
        print("round \(round): trained in \(String(format: "%.4f", Date().timeIntervalSince(started))) s")
        if evaluateOnly {
            try deliver(round: round) { try client.submitEvaluation(round: round, participant: assignment.participant, evaluation: update.evaluation) }
            return
        }
        try trace.span("upload", round: round) {
            try deliver(round: round) {
                switch update.weights {
                case .mapped(let file) where tamper == nil:
                    try client.submit(round: round, participant: assignment.participant, update: file.bytes,
                                      trainSamples: update.trainSamples, evaluation: update.evaluation)
                case .mapped(let file):
                    try send(LocalUpdate(weights: try SafeTensors.decode(file.bytes), evaluation: update.evaluation, trainSamples: update.trainSamples),
                             round: round, client: client)
                case .decoded(let weights):
                    try send(LocalUpdate(weights: weights, evaluation: update.evaluation, trainSamples: update.trainSamples),
                             round: round, client: client)
                }
            }
        }
    }

    /// Encodes and sends an update held as `ModelWeights` (after the test-only tamper hook).
    private func send(_ update: LocalUpdate, round: Int, client: AggregatorClient) throws {
        var sent = update
        if let tamper { sent = tamper(sent) }
        try client.submit(round: round, participant: assignment.participant, update: try SafeTensors.encode(sent.weights),
                          trainSamples: sent.trainSamples, evaluation: sent.evaluation)
    }

    /// The participant's split as `train.csv` and `validation.csv` in `directory`, written when
    /// absent or made for another split (a stamp file names the split they hold; it is written
    /// last, so files of an interrupted write are never taken for complete).
    static func writeSplit(config: RunConfig, participant: String, participantIndex index: Int, to directory: URL) throws {
        let stamp = directory.appendingPathComponent("split.json")
        // The participant's own file may change between runs: its path, size and time are part of the stamp.
        var source = ""
        if let path = config.data?.paths[participant] {
            let a = try? FileManager.default.attributesOfItem(atPath: path)
            source = ",\"source\":\"\(path)\",\"size\":\((a?[.size] as? Int) ?? -1),\"modified\":\(((a?[.modificationDate] as? Date)?.timeIntervalSince1970) ?? 0)"
        }
        let want = Data("{\"dataSeed\":\(config.dataSeed),\"participant\":\(index),\"participants\":\(config.participants.count)\(source)}\n".utf8)
        let fm = FileManager.default
        if (try? Data(contentsOf: stamp)) == want,
           fm.fileExists(atPath: directory.appendingPathComponent(ParticipantData.trainFileName).path),
           fm.fileExists(atPath: directory.appendingPathComponent(ParticipantData.validationFileName).path) {
            return
        }
        try? fm.removeItem(at: stamp)
        let data = try Agent.localData(config, participant: participant, index: index)
        try data.writeCSVFiles(to: directory)
        try want.write(to: stamp, options: .atomic)
    }
}
