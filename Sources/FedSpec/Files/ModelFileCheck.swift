import Foundation

/// Checks `training.model.file` before anything reads it: a regular safetensors file within the
/// model size limit. A file that is something else is said so once, without quoting it.
public enum ModelFileCheck {
    /// nil when the file is usable; else what is wrong, naming the file.
    public static func problem(_ path: String) -> String? {
        let head: [UInt8], size: Int
        do {
            size = try ReferencedFile.check(path, kind: .model)
            // The first 9 bytes say whether it is safetensors: an 8-byte little-endian header
            // length, then the header's `{`.
            head = try ReferencedFile.read(path, kind: .model, prefix: 9)
        } catch {
            if error.reason == "no such file" { return "the initial model \(path) does not exist" }
            return "the initial model \(error.description)"
        }
        guard head.count == 9 else { return "the initial model \(path) is not a safetensors file (it is \(head.count) bytes long)" }
        let headerLength = head[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard head[8] == UInt8(ascii: "{"), headerLength >= 2, headerLength <= UInt64(max(0, size - 8)) else {
            return "the initial model \(path) is not a safetensors file (fedplane reads models in the safetensors format)"
        }
        return nil
    }
}
