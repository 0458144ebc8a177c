import Foundation
import Testing

@testable import FedState

@Suite struct JournalTests {
    @Test func stepsAreJournalledBeforeAndAfterTheSideEffect() throws {
        try withTemporaryDirectory { dir in
            let clock = TestClock(fixedDate)
            let store = try StateStore.open(path: dir.path("state.db"), federation: "fed", create: true, clock: clock.now)

            try store.write { try $0.journalStart(applyID: "apply-1", step: 0, address: "aggregator.main", action: "create") }
            #expect(try store.unfinishedJournalSteps().map(\.address) == ["aggregator.main"])
            clock.advance(5)
            try store.write { tx in
                try tx.upsertResource(
                    address: "aggregator.main", type: "aggregator", provider: "aws", providerID: "i-1",
                    attributes: #"{"region":"eu-west-1"}"#, inputsHash: "h")
                try tx.journalFinish(applyID: "apply-1", step: 0, outcome: .succeeded)
            }
            try store.write { try $0.journalStart(applyID: "apply-1", step: 1, address: "participant.a", action: "update") }
            try store.write {
                try $0.journalFinish(applyID: "apply-1", step: 1, outcome: .failed(error: "no active VM"))
            }

            let steps = try store.journal(applyID: "apply-1")
            #expect(steps.map(\.status) == [.succeeded, .failed])
            #expect(steps[0].started == fixedDate)
            #expect(steps[0].finished == fixedDate.addingTimeInterval(5))
            #expect(steps[1].error == "no active VM")
            #expect(steps[0].error == nil)
            #expect(try store.unfinishedJournalSteps().isEmpty)
            #expect(try store.serial() == 4)  // every journal write is a committed change
        }
    }

    @Test func crashBetweenStartAndFinishLeavesAStartedStep() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            do {
                let store = try StateStore.open(path: path, federation: "fed", create: true)
                try store.write { try $0.journalStart(applyID: "a", step: 3, address: "participant.b", action: "delete") }
                struct SideEffectFailed: Error {}
                // The finish transaction throws before committing: it must not land.
                #expect(throws: SideEffectFailed.self) {
                    try store.write { tx in
                        try tx.journalFinish(applyID: "a", step: 3, outcome: .succeeded)
                        throw SideEffectFailed()
                    }
                }
                store.close()
            }
            let reopened = try StateStore.open(path: path, federation: "fed", create: false)
            let open = try reopened.unfinishedJournalSteps()
            #expect(open.map(\.step) == [3])
            #expect(open.first?.action == "delete")
        }
    }

    @Test func finishingAnUnknownStepFails() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore.open(path: dir.path("state.db"), federation: "fed", create: true)
            #expect(throws: StateStoreError.unknownJournalStep(applyID: "nope", step: 1)) {
                try store.write { try $0.journalFinish(applyID: "nope", step: 1, outcome: .succeeded) }
            }
            #expect(try store.serial() == 0)
        }
    }

    @Test func startingAStepTwiceFails() throws {
        try withTemporaryDirectory { dir in
            let store = try StateStore.open(path: dir.path("state.db"), federation: "fed", create: true)
            try store.write { try $0.journalStart(applyID: "a", step: 0, address: "x", action: "create") }
            #expect(throws: DatabaseError.self) {
                try store.write { try $0.journalStart(applyID: "a", step: 0, address: "x", action: "create") }
            }
        }
    }
}
