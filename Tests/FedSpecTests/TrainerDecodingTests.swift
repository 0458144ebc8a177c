import Foundation
import Testing
@testable import FedSpec

/// `training.trainer`: built-in or a command, and a command may be persistent.
@Suite struct TrainerDecodingTests {
    @Test func aCommandTrainerMayBePersistent() throws {
        for (text, persistent) in [("{ command: [python3, train.py], persistent: true }", true),
                                   ("{ command: [python3, train.py], persistent: false }", false),
                                   ("{ command: [python3, train.py] }", false)] {
            let r = Fixture.load(Fixture.spec(training: "training: { rounds: 2, trainer: \(text) }\n"))
            #expect(r.diagnostics.items.isEmpty, "\(r.diagnostics.items.map(\.rendered))")
            let spec = try #require(r.spec)
            #expect(spec.training.trainer == .command(["python3", "train.py"]))
            #expect(spec.training.persistentTrainer == persistent)
        }
    }

    @Test func aBuiltinTrainerCannotBePersistent() {
        let m = MarkedText(Fixture.spec(training: "training: { rounds: 2, trainer: { builtin: mlp, persistent: 1️⃣true } }\n"))
        let r = Fixture.load(m.text)
        #expect(r.spec == nil)
        #expect(r.diagnostics.sorted.filter { $0.severity == .error }.map(\.rendered) == [
            "spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.trainer.persistent: persistent applies to a command trainer only (a built-in trainer runs inside the agent)",
        ])
    }
}
