import Foundation
import Testing

/// Every flag that writes a file (`models pull -o`, `models plot --svg`, `plan --out`,
/// `optimize --svg`) follows one rule: regular files are replaced atomically; a device, FIFO or
/// symbolic link is written into and never replaced; `-` is standard output; a directory or a
/// missing parent is a plain error. Checked on a real trained federation, real devices, FIFOs
/// and links.
@Suite(.serialized) struct OutputFileTests {
    /// The quick start cut to 2 rounds: enough models to pull, list and plot.
    static func trained() throws -> (Federation, String) {
        let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent("specs/quickstart.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "rounds: 10", with: "rounds: 2")
        let f = try Federation(text)
        let apply = try f.run(["apply", "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stderr)")
        let list = try f.run(["models", "list", "--json"])
        let models = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let id = try #require(models.last?["id"] as? String)
        return (f, id)
    }

    static func fileType(_ path: String) -> mode_t {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
    }

    static func stored(_ f: Federation, _ id: String) throws -> Data {
        try Data(contentsOf: f.dir.url.appendingPathComponent(".fedplane/quickstart-models/\(id.prefix(2))/\(id).safetensors"))
    }

    @Test func pullWritesIntoDevicesFIFOsAndLinksAndReplacesRegularFilesAtomically() throws {
        let (f, id) = try Self.trained()
        let model = try Self.stored(f, id)
        let short = String(id.prefix(12))

        // /dev/full: the write fails with the system's reason and the device stays a device.
        let full = try f.run(["models", "pull", short, "-o", "/dev/full"])
        #expect(full.status == 1)
        #expect(full.stderr == "error: cannot write /dev/full: no space left on device\n", "\(full.stderr)")
        #expect(Self.fileType("/dev/full") == S_IFCHR)

        // A symbolic link to /proc/self/fd/1: the bytes arrive on fedplane's standard output, the
        // link stays a link, and the status line goes to stderr so the data stays clean.
        let link = f.dir.url.appendingPathComponent("stdout-link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/proc/self/fd/1")
        let viaLink = try f.run(["models", "pull", short, "-o", link])
        #expect(viaLink.status == 0, "\(viaLink.stderr)")
        #expect(viaLink.stdoutData == model)
        #expect(viaLink.stderr.hasPrefix("Wrote model \(id)"))
        #expect(Self.fileType(link) == S_IFLNK)

        // `-o -`: standard output.
        let dash = try f.run(["models", "pull", short, "-o", "-"])
        #expect(dash.status == 0 && dash.stdoutData == model, "\(dash.stderr)")
        #expect(dash.stderr.contains("to standard output"))

        // A FIFO: written into (a reader is open first), still a FIFO afterwards.
        let fifo = f.dir.url.appendingPathComponent("model.fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let viaFIFO = try f.run(["models", "pull", short, "-o", fifo])
        #expect(viaFIFO.status == 0, "\(viaFIFO.stderr)")
        var buffer = [UInt8](repeating: 0, count: model.count + 16)
        let n = read(reader, &buffer, buffer.count)
        #expect(n == model.count && Data(buffer.prefix(max(n, 0))) == model)
        #expect(Self.fileType(fifo) == S_IFIFO)

        // A link to a regular file: the target gets the model, the link stays.
        let target = try f.dir.write("target.safetensors", "old")
        let fileLink = f.dir.url.appendingPathComponent("link.safetensors").path
        try FileManager.default.createSymbolicLink(atPath: fileLink, withDestinationPath: target.path)
        #expect(try f.run(["models", "pull", short, "-o", fileLink]).status == 0)
        #expect(Self.fileType(fileLink) == S_IFLNK)
        #expect(try Data(contentsOf: target) == model)

        // A regular file: replaced whole, keeping its mode, with no temporary file left behind.
        let regular = try f.dir.write("existing.safetensors", "previous contents")
        chmod(regular.path, 0o600)
        #expect(try f.run(["models", "pull", short, "-o", regular.path]).status == 0)
        #expect(try Data(contentsOf: regular) == model)
        #expect((try FileManager.default.attributesOfItem(atPath: regular.path)[.posixPermissions] as? Int) == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.dir.url.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")

        // A directory and a missing parent: plain messages.
        let dir = try f.run(["models", "pull", short, "-o", f.dir.url.path])
        #expect(dir.status == 1 && dir.stderr.contains("cannot write \(f.dir.url.path): it is a directory"), "\(dir.stderr)")
        let missing = f.dir.url.appendingPathComponent("no/such/dir/m.safetensors").path
        let noParent = try f.run(["models", "pull", short, "-o", missing])
        #expect(noParent.status == 1)
        #expect(noParent.stderr == "error: cannot write \(missing): the directory \(f.dir.url.path)/no/such/dir does not exist\n", "\(noParent.stderr)")

        // The other flags that write files follow the same rule.
        let svg = try f.run(["models", "plot", "--svg", "/dev/full"])
        #expect(svg.status == 1 && svg.stderr.contains("cannot write /dev/full: no space left on device"), "\(svg.stderr)")
        #expect(Self.fileType("/dev/full") == S_IFCHR)
        let svgOut = try f.run(["models", "plot", "--svg", "-"])
        #expect(svgOut.status == 0 && svgOut.stdout.contains("<svg"), "\(svgOut.stdout.prefix(80))")
        let planOut = try f.run(["plan", "--out", missing])
        #expect(planOut.status == 1 && planOut.stderr.contains("cannot write \(missing): the directory"), "\(planOut.stderr)")
        let planFIFO = f.dir.url.appendingPathComponent("plan.fifo").path
        #expect(mkfifo(planFIFO, 0o644) == 0)
        let planReader = open(planFIFO, O_RDONLY | O_NONBLOCK)
        defer { close(planReader) }
        #expect(try f.run(["plan", "--out", planFIFO]).status == 0)
        #expect(Self.fileType(planFIFO) == S_IFIFO)
    }

    @Test func optimizeSVGFollowsTheSameRule() throws {
        let dir = try TempDir()
        let spec = CLI.repoRoot.appendingPathComponent("specs/covid19-multicloud.yaml").path
        let r = try CLI.run(["optimize", "-f", spec, "--svg", dir.url.path], in: dir.url)
        #expect(r.status == 1 && r.stderr == "error: cannot write \(dir.url.path): it is a directory; name a file in it, e.g. \(dir.url.path)/FILE\n", "\(r.stderr)")
        let full = try CLI.run(["optimize", "-f", spec, "--svg", "/dev/full"], in: dir.url)
        #expect(full.status == 1 && full.stderr.contains("no space left on device"))
        #expect(Self.fileType("/dev/full") == S_IFCHR)
    }

    /// Hints repeat the spec (and state) the user named, so a copied hint works; tables align
    /// headers over right-aligned numbers; show and state show say what is input and what is
    /// observed, and whether the aggregator runs.
    @Test func hintsTablesAndShowOnATrainedFederation() throws {
        let (f, id) = try Self.trained()

        let best = try f.run(["models", "best", "--metric", "f1"])
        #expect(best.status == 0, "\(best.stderr)")
        let hint = try #require(best.stdout.split(separator: "\n").first { $0.hasPrefix("Export it with: ") })
        #expect(hint == "Export it with: fedplane models pull \(id.prefix(12)) -o model.safetensors -f \(f.spec.path)")
        // The hint, run as given, from another directory.
        let elsewhere = try TempDir()
        let words = hint.dropFirst("Export it with: fedplane ".count).split(separator: " ").map(String.init)
        let pulled = try CLI.run(words, in: elsewhere.url)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        #expect(FileManager.default.fileExists(atPath: elsewhere.url.appendingPathComponent("model.safetensors").path))

        // Table alignment: text columns start under their header, number columns end under it.
        let list = try f.run(["models", "list"])
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(list.stdout)")
        func cells(_ line: String) -> [(start: Int, end: Int)] {
            var out: [(start: Int, end: Int)] = [], start: Int?
            let chars = Array(line) + [" "]
            for (i, c) in chars.enumerated() {
                if c != " " && start == nil { start = i }
                if c == " ", let s = start { out.append((s, i)); start = nil }
            }
            return out
        }
        let header = cells(lines[0])
        #expect(header.count == 8)
        for line in lines.dropFirst() {
            let row = cells(line)
            #expect(row.count == header.count, "\(line)")
            guard row.count == header.count else { continue }
            #expect(row[0].start == header[0].start, "model column: \(line)")
            for c in 1..<header.count { #expect(row[c].end == header[c].end, "column \(c) of \(line) vs \(lines[0])") }
        }

        // state show: inputs and observed under their own headings; the aggregator is stopped
        // after apply (apply runs it only for training).
        let agg = try f.run(["state", "show", "aggregator.main"])
        #expect(agg.status == 0, "\(agg.stderr)")
        #expect(agg.stdout.contains("    inputs (from the spec):\n      cloud"), "\(agg.stdout)")
        #expect(agg.stdout.contains("    observed (at the provider):\n      endpoint"), "\(agg.stdout)")
        #expect(agg.stdout.contains("status:   stopped"), "\(agg.stdout)")
        let showJSON = try f.run(["show", "--json"])
        #expect(showJSON.stdout.contains("\"status\":\"stopped\""), "\(showJSON.stdout.prefix(300))")

        // A real aggregator process recorded as the aggregator's: show says it runs, then that
        // it stopped once it is killed.
        let workdir = f.localRoot.appendingPathComponent("aggregator/main")
        // The run's own launch file (its TLS credentials and participants), as apply starts it.
        let launch = f.localRoot.appendingPathComponent("run/1/aggregator.json")
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["aggregator", "--port", "0", "--config", launch.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
        try Data("\(p.processIdentifier)\n".utf8).write(to: workdir.appendingPathComponent("aggregator.pid"))
        #expect(try f.run(["state", "show", "aggregator.main"]).stdout.contains("status:   running"))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(try f.run(["show"]).stdout.contains("status:   stopped"))
    }
}
