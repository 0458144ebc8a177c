import Foundation
import Testing
@testable import FedWeights

/// Interoperability with the reference implementation through Python's `safetensors` package
/// (`pip install safetensors numpy`). These tests fail, with that hint, when it is missing.
@Suite struct PythonInteropTests {
    /// Runs `python3 -c script args…` through /usr/bin/env; returns (exit status, stdout + stderr).
    static func python(_ script: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static func requirePython() throws {
        let (status, output) = try python("import safetensors.numpy, numpy; print('ok', safetensors.__version__, numpy.__version__)", [])
        try #require(status == 0, "python3 with the safetensors and numpy packages is needed: pip install safetensors numpy\n\(output)")
    }

    // MARK: Python writes, Swift reads

    static let pythonWriter = #"""
import sys, json, numpy as np
from safetensors.numpy import save_file
out = sys.argv[1]
rng = np.random.default_rng(1234)
tensors = {
    "f32.matrix": np.arange(-6, 6, dtype=np.float32).reshape(3, 4) / np.float32(3),
    "f32.random": rng.standard_normal((37, 101)).astype(np.float32),
    "f32.scalar": np.array(3.25, dtype=np.float32),
    "f32.empty": np.zeros((0, 3), dtype=np.float32),
    "f32.specials": np.array([0.0, -0.0, np.inf, -np.inf, 1e-45, 3.4028235e38], dtype=np.float32),
    "f64.values": np.array([0.1, -1e300, 1e-300, np.pi, 2.0 ** 60, 1.0 + 2.0 ** -30], dtype=np.float64),
    "f64.cube": rng.standard_normal((2, 3, 5)),
    "f16.values": np.array([1.0, -2.0, 65504.0, 6e-8, 6.1035156e-05, np.inf, 0.333], dtype=np.float16),
    "f16.random": rng.standard_normal((8, 9)).astype(np.float16),
    "i32.values": np.array([-7, 0, 123456, 2**31 - 1], dtype=np.int32),
    "i64.values": np.array([[-1, 2**40], [3, -(2**53)]], dtype=np.int64),
}
metadata = {"round": "3", "run": "r-1", "unicode": "é😀", "quote": "a\"b\\c\n"}
save_file(tensors, out + "/mixed.safetensors", metadata=metadata)
# What Swift must read: each tensor converted to float32 (round to nearest), as raw little-endian bytes.
expected = {}
for name, a in tensors.items():
    f = np.asarray(a).astype("<f4")
    f.tofile(out + "/" + name + ".f32")
    expected[name] = list(a.shape)
json.dump({"shapes": expected, "metadata": metadata}, open(out + "/expected.json", "w"))

# Byte comparison: F32 tensors with at most one metadata key (the reference writes metadata in
# hash order, so with several keys its own output varies from run to run).
f32 = {k: v for k, v in tensors.items() if v.dtype == np.float32}
save_file(f32, out + "/f32_one_key.safetensors", metadata={"round": "7"})
save_file(f32, out + "/f32_no_metadata.safetensors")
save_file(f32, out + "/f32_two_keys.safetensors", metadata={"round": "7", "run": "x"})
print("written")
"""#

    @Test func swiftReadsWhatPythonWrites() throws {
        try Self.requirePython()
        let dir = try temporaryDirectory("py2swift")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, output) = try Self.python(Self.pythonWriter, [dir.path])
        try #require(status == 0, "the Python writer failed:\n\(output)")

        let expectedJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
        let shapes = expectedJSON["shapes"] as! [String: [Int]]
        let metadata = expectedJSON["metadata"] as! [String: String]

        let path = dir.appendingPathComponent("mixed.safetensors").path
        let fromFile = try SafeTensors.read(contentsOfFile: path)
        let fromMemory = try SafeTensors.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(fromFile == fromMemory)
        #expect(fromFile.metadata == metadata)
        #expect(Set(fromFile.tensors.map(\.name)) == Set(shapes.keys))
        let header = try SafeTensors.header(ofFile: path)
        #expect(Set(header.entries.map(\.dtype)) == [.f32, .f64, .f16, .i32, .i64])
        for (name, tensor) in fromFile.tensors {
            #expect(tensor.shape == shapes[name], "\(name)")
            let raw = try Data(contentsOf: dir.appendingPathComponent(name + ".f32"))
            let expected: [UInt32] = raw.withUnsafeBytes { bytes in
                (0..<(raw.count / 4)).map { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
            }
            // Bit-exact: NumPy's float64/float16/int → float32 conversions round as ours do.
            #expect(bits(tensor) == expected, "\(name)")
        }
        #expect(fromFile["f32.scalar"] == Tensor(shape: [], values: [3.25]))
        #expect(fromFile["f32.empty"] == Tensor(shape: [0, 3], values: []))
    }

    @Test func swiftWritesTheSameBytesAsPython() throws {
        try Self.requirePython()
        let dir = try temporaryDirectory("bytes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, output) = try Self.python(Self.pythonWriter, [dir.path])
        try #require(status == 0, "the Python writer failed:\n\(output)")

        for file in ["f32_one_key", "f32_no_metadata"] {
            let pythonBytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(file + ".safetensors")))
            let weights = try SafeTensors.decode(pythonBytes)
            #expect(try SafeTensors.encode(weights) == pythonBytes, "\(file): Swift's encoding differs from the reference's")
            // Independent of the order we hold the tensors in.
            var reversed = weights
            reversed.tensors.reverse()
            #expect(try SafeTensors.encode(reversed) == pythonBytes, "\(file)")
        }
        // With two metadata keys the reference's order is its hash order; everything but the
        // order of the metadata entries must still match (same length, same data bytes).
        let pythonBytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("f32_two_keys.safetensors")))
        let ours = try SafeTensors.encode(SafeTensors.decode(pythonBytes))
        #expect(ours.count == pythonBytes.count)
        let n = try pythonBytes.withUnsafeBytes { try SafeTensors.header($0) }.dataStart
        #expect(ours[..<8] == pythonBytes[..<8])
        #expect(ours[n...] == pythonBytes[n...])
    }

    // MARK: Swift writes, Python reads

    static let pythonChecker = #"""
import sys, json, numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file
d = sys.argv[1]
manifest = json.load(open(d + "/manifest.json"))
problems = []
loaded = load_file(d + "/swift.safetensors")
if sorted(loaded) != sorted(manifest["tensors"]):
    problems.append("names %s != %s" % (sorted(loaded), sorted(manifest["tensors"])))
for name, shape in manifest["tensors"].items():
    a = loaded.get(name)
    if a is None:
        continue
    expected = np.fromfile(d + "/" + manifest["files"][name], dtype="<f4").reshape(shape)
    if a.dtype != np.float32:
        problems.append("%s: dtype %s" % (name, a.dtype))
    elif list(a.shape) != shape:
        problems.append("%s: shape %s != %s" % (name, list(a.shape), shape))
    elif not np.array_equal(a.view(np.uint32), expected.view(np.uint32)):
        problems.append("%s: values differ" % name)
with safe_open(d + "/swift.safetensors", framework="numpy") as f:
    if f.metadata() != manifest["metadata"]:
        problems.append("metadata %r != %r" % (f.metadata(), manifest["metadata"]))
print("VERDICT " + ("OK %d tensors" % len(loaded) if not problems else "FAIL " + "; ".join(problems)))
"""#

    @Test func pythonReadsWhatSwiftWrites() throws {
        try Self.requirePython()
        let dir = try temporaryDirectory("swift2py")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = TestRandom(seed: 2024)
        var weights = sample()
        weights.tensors.append(("big.layer", Tensor(shape: [129, 257], values: rng.floats(129 * 257, scale: 10))))
        weights.metadata["unicode"] = "é😀 \u{7f}"
        try SafeTensors.write(weights, toFile: dir.appendingPathComponent("swift.safetensors").path)

        var files: [String: String] = [:]
        var shapes: [String: [Int]] = [:]
        for (i, (name, tensor)) in weights.tensors.enumerated() {
            files[name] = "t\(i).f32"
            shapes[name] = tensor.shape
            try Data(floatBytes(tensor.values)).write(to: dir.appendingPathComponent("t\(i).f32"))
        }
        let manifest: [String: Any] = ["tensors": shapes, "files": files, "metadata": weights.metadata]
        try JSONSerialization.data(withJSONObject: manifest).write(to: dir.appendingPathComponent("manifest.json"))

        let (status, output) = try Self.python(Self.pythonChecker, [dir.path])
        let verdict = output.split(separator: "\n").last { $0.hasPrefix("VERDICT ") }.map(String.init)
        print("python safetensors on Swift's file: \(verdict ?? output)")
        #expect(status == 0, "\(output)")
        #expect(verdict == "VERDICT OK \(weights.tensors.count) tensors", "\(output)")
    }
}
