import Foundation
import Testing
import FedDigest

@Suite struct SHA256Tests {
    // FIPS 180-4 / NIST example vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ] as [(String, String)])
    func vectors(input: String, hex: String) {
        #expect(SHA256.hex(input) == hex)
    }

    @Test func millionAs() {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalEqualsOneShot() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for chunk in [1, 7, 63, 64, 65, 1000] {
            var s = SHA256()
            var i = 0
            while i < data.count { s.update(data[i..<min(i + chunk, data.count)]); i += chunk }
            #expect(Hex.encode(s.finalize()) == SHA256.hex(data), "chunk \(chunk)")
        }
    }
}

/// swift-crypto replaced the hand-written SHA-256: every content address, plan checksum and config
/// hash must come out as before, so the new digests are compared with the old code's.
@Suite struct SHA256CompatibilityTests {
    @Test func sameHexAsTheHandWrittenImplementationForEveryLengthAroundABlock() {
        var rng = SystemRandomNumberGenerator()
        for length in Array(0...130) + [1000, 4095, 4096, 65_537, 1 << 20] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(SHA256.hex(bytes) == HandWrittenSHA256.hex(bytes), "length \(length)")
        }
    }

    @Test func stringsDataSlicesAndRawBuffersHashTheSame() {
        let text = "fedplane ✓ ünïcödé"
        let bytes = Array(text.utf8)
        #expect(SHA256.hex(text) == HandWrittenSHA256.hex(text))
        #expect(SHA256.hex(Data(bytes)) == SHA256.hex(bytes))
        #expect(SHA256.hex(bytes[3...]) == HandWrittenSHA256.hex(Array(bytes[3...])))
        #expect(bytes.withUnsafeBytes { SHA256.hex($0) } == SHA256.hex(bytes))
        // A non-contiguous collection goes through the copying path.
        #expect(SHA256.hex(bytes.reversed()) == HandWrittenSHA256.hex(Array(bytes.reversed())))
    }

    @Test func fileDigestEqualsTheDigestOfItsBytes() throws {
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-digest-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try SHA256.hex(contentsOfFile: url.path) == HandWrittenSHA256.hex(bytes))
        #expect(throws: DigestFileError.self) { try SHA256.hex(contentsOfFile: url.path + ".missing") }
    }
}

@Suite struct JSONValueTests {
    @Test func canonicalFormSortsKeysAndIsCompact() throws {
        let v: JSONValue = ["b": 1, "a": ["x": true, "c": .null], "n": 1.5, "s": "q\"\n"]
        #expect(v.canonical == #"{"a":{"c":null,"x":true},"b":1,"n":1.5,"s":"q\"\n"}"#)
        #expect(try JSONValue.parse(v.canonical) == v)
    }

    @Test func equalValuesHaveEqualDigests() throws {
        let a = try JSONValue.parse(#"{"z": 1, "a": [1, 2]}"#)
        let b = try JSONValue.parse(#"{"a":[1,2],"z":1.0}"#)
        #expect(a.digest == b.digest)
        #expect(a.digest.hasPrefix("sha256:"))
        #expect((["a": 1] as JSONValue).digest != (["a": 2] as JSONValue).digest)
    }
}
