import Foundation
import Testing

@testable import FedState

@Suite struct TrainingRecordTests {
    static let modelID = String(repeating: "ab", count: 32)

    @Test func runsRoundsAndModelsRoundTrip() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore.open(path: dir.path("state.db"), federation: "fed", create: true)
            let round = RoundRecord(
                run: 1, round: 0, participants: 3, loss: 0.7, accuracy: 0.81, precision: 0.8, recall: 0.79,
                f1: 0.795, durationSeconds: 12.5, committed: fixedDate)
            let model = ModelRecord(
                id: Self.modelID, run: 1, round: 0, configHash: "cfg", sizeBytes: 1024,
                metrics: #"{"accuracy":0.81}"#, created: fixedDate)
            try store.write { tx in
                try tx.recordRun(RunRecord(run: 1, configHash: "cfg", status: .running, started: fixedDate))
                try tx.recordRound(round)
                try tx.recordModel(model)
            }
            #expect(try store.rounds(run: 1) == [round])
            #expect(try store.models(run: 1) == [model])
            let serial = try store.serial()

            // Recording the same model again is a no-op (content-addressed).
            #expect(try store.write { try $0.recordModel(model) } == false)
            #expect(try store.serial() == serial)

            let finished = RunRecord(run: 1, configHash: "cfg", status: .succeeded, started: fixedDate, finished: fixedDate)
            try store.write { try $0.recordRun(finished) }
            #expect(try store.runs() == [finished])
            #expect(try store.serial() == serial + 1)
        }
    }

    @Test func roundsAndModelsNeedTheirRun() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore.open(path: dir.path("state.db"), federation: "fed", create: true)
            let error = #expect(throws: DatabaseError.self) {
                try store.write { tx in
                    try tx.recordRound(
                        RoundRecord(
                            run: 9, round: 0, participants: 1, loss: nil, accuracy: nil, precision: nil, recall: nil,
                            f1: nil, durationSeconds: 1, committed: fixedDate))
                }
            }
            #expect(error?.message.contains("FOREIGN KEY constraint failed") == true)
            #expect(throws: DatabaseError.self) {
                try store.write { tx in
                    try tx.recordModel(
                        ModelRecord(id: Self.modelID, run: 9, round: 0, configHash: "c", sizeBytes: 1, metrics: "{}", created: fixedDate))
                }
            }
            #expect(throws: DatabaseError.self) {  // not a SHA-256 hex id
                try store.write { tx in
                    try tx.recordRun(RunRecord(run: 1, configHash: "c", status: .running, started: fixedDate))
                    try tx.recordModel(
                        ModelRecord(id: "model.bin", run: 1, round: 0, configHash: "c", sizeBytes: 1, metrics: "{}", created: fixedDate))
                }
            }
            #expect(try store.integrityCheck() == [])
        }
    }
}
