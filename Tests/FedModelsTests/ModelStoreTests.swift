import FedDigest
import FedModels
import Foundation
import Testing

/// Models are content-addressed: the id is the SHA-256 of the bytes, whatever path stored them.
@Suite struct ModelStoreTests {
    func store() -> (ModelStore, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-models-\(UUID().uuidString)")
        return (ModelStore(root: root), root)
    }

    @Test func theIdIsTheSHA256OfTheBytesAndAReadChecksIt() throws {
        let (models, root) = store()
        defer { try? FileManager.default.removeItem(at: root) }
        let bytes = Array("abc".utf8)
        let id = try models.put(bytes)
        #expect(id == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try models.get(id) == bytes)
        try Data("abd".utf8).write(to: models.path(of: id))
        #expect(throws: ModelStore.Corrupted.self) { _ = try models.get(id) }
    }

    /// The same array stored twice is hashed once; a changed copy is never taken for it.
    @Test func storingAgainTheSameArrayOrAChangedCopyGivesTheirOwnIds() throws {
        let (models, root) = store()
        defer { try? FileManager.default.removeItem(at: root) }
        var model = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let first = try models.put(model)
        #expect(try models.put(model) == first)
        let shared = model
        model[5] ^= 0xFF
        let changed = try models.put(model)
        #expect(changed == SHA256.hex(model) && changed != first)
        #expect(try models.put(shared) == first)
        #expect(try models.get(changed) == model && models.get(first) == shared)
    }
}
