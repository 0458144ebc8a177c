import FedTrain
import FedWeights
import Foundation

/// A minimal safetensors codec (F32 only) for these tests, so they do not depend on FedWeights'
/// codec (written in parallel). The runtime injects the real one into ExternalCommandTrainer.
enum TestSafetensors {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func write(_ weights: ModelWeights, to url: URL) throws {
        var header: [String: Any] = [:]
        var offset = 0
        var body = Data()
        for (name, t) in weights.tensors {
            let bytes = t.values.count * 4
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            offset += bytes
        }
        if !weights.metadata.isEmpty { header["__metadata__"] = weights.metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: url)
    }

    static func read(_ url: URL) throws -> ModelWeights {
        let data = try Data(contentsOf: url)
        guard data.count >= 8 else { throw Failure(description: "\(url.lastPathComponent): too short") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= data.count - 8 else { throw Failure(description: "bad header length") }
        let headerData = data.subdata(in: 8 ..< 8 + Int(n))
        guard let header = try JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw Failure(description: "header is not an object")
        }
        let base = 8 + Int(n)
        var metadata: [String: String] = [:]
        var entries: [(name: String, begin: Int, tensor: Tensor)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = value as? [String: String] ?? [:]
                continue
            }
            guard let info = value as? [String: Any], info["dtype"] as? String == "F32",
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw Failure(description: "tensor \(name): unsupported entry \(value)")
            }
            let count = shape.reduce(1, *)
            guard offsets[1] - offsets[0] == count * 4, base + offsets[1] <= data.count else {
                throw Failure(description: "tensor \(name): bad offsets")
            }
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let p = base + offsets[0] + 4 * i
                let bits = UInt32(data[p]) | UInt32(data[p + 1]) << 8 | UInt32(data[p + 2]) << 16 | UInt32(data[p + 3]) << 24
                values[i] = Float(bitPattern: bits)
            }
            entries.append((name, offsets[0], Tensor(shape: shape, values: values)))
        }
        entries.sort { $0.begin < $1.begin }
        return ModelWeights(tensors: entries.map { ($0.name, $0.tensor) }, metadata: metadata)
    }
}

enum TestPaths {
    /// The repository root (the folder holding examples/ and datasets/), found from this file's
    /// path or FEDTRAIN_REPO_ROOT.
    static let repoRoot: URL? = {
        if let r = ProcessInfo.processInfo.environment["FEDTRAIN_REPO_ROOT"] { return URL(fileURLWithPath: r) }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("examples/numpy-trainer/train.py").path) {
                return dir
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedtrain-tests-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The python3 the NumPy example runs with, and whether numpy and safetensors import in it.
enum PythonEnvironment {
    /// FEDTRAIN_SKIP_PYTHON=1 skips the tests that run the NumPy example; without it they require
    /// python3 with numpy and safetensors (`python3 -m pip install numpy safetensors`) and fail
    /// when those are missing, so a CI that forgot to install them does not pass silently.
    static var skipRequested: Bool { ProcessInfo.processInfo.environment["FEDTRAIN_SKIP_PYTHON"] == "1" }

    /// nil when python3 with numpy and safetensors is usable, else why not.
    static let problem: String? = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import numpy, safetensors.numpy"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do {
            try p.run()
            p.waitUntilExit()
        } catch {
            return "python3 could not be started: \(error)"
        }
        return p.terminationStatus == 0 ? nil
            : "python3 cannot import numpy and safetensors: run `python3 -m pip install numpy safetensors` (or set FEDTRAIN_SKIP_PYTHON=1 to skip)"
    }()
}

func tensorNamesAndShapes(_ w: ModelWeights) -> [String] {
    w.tensors.map { "\($0.name)\($0.tensor.shape)" }
}
