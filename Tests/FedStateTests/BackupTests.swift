import Foundation
import Testing

@testable import FedState

@Suite struct BackupTests {
    @Test func backupRestoresIdenticalState() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let store = try StateStore.open(path: path, federation: "fed", create: true)
            try store.write { tx in
                for index in 0..<50 { try tx.putParticipant("p\(index)") }
                try tx.setAssignment(participant: "p1", vmID: "vm-7", reason: "circular queue")
                try tx.setCursor(participant: "p1", to: 3)
            }
            let saved = try store.snapshot()
            #expect(try store.backupBeforeApply() == path + ".backup")

            // The apply goes wrong after the backup.
            try store.write { tx in
                for index in 0..<25 { try tx.deleteResource(address: "participant.p\(index)") }
            }
            #expect(try store.snapshot() != saved)
            store.close()

            // The documented recovery: copy the backup over the state.
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: path + ".backup", toPath: path)
            let restored = try StateStore.open(path: path, federation: "fed", create: false)
            #expect(try restored.snapshot() == saved)
            #expect(restored.lineage == store.lineage)
            #expect(try restored.integrityCheck() == [])
        }
    }

    @Test func backupReplacesAnOlderBackupAndLeavesNoTemporaryFiles() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path("state.db")
            let store = try StateStore.open(path: path, federation: "fed", create: true)
            try store.write { try $0.putParticipant("a") }
            try store.backupBeforeApply()
            try store.write { try $0.putParticipant("b") }
            try store.backupBeforeApply()

            let copy = try StateStore.open(path: path + ".backup", federation: "fed", create: false)
            #expect(try copy.snapshot().serial == 2)
            copy.close()
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
            #expect(!names.contains { $0.contains(".tmp-") })
        }
    }
}
