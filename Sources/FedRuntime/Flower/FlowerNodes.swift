import FedDigest
import FedHost
import FedOrchestrate
import FedProcess
import FedSpec
import Foundation

/// One running SuperNode: whose it is, where, which instance, and the node id the SuperLink
/// registered for its key.
struct FlowerNode {
    var participant: ParticipantSpec
    var partition: Int
    var vm: String
    var site: FlowerSite
    var port: Int
    /// 0 for the first SuperNode of a participant, 1, 2, … for its replacements.
    var generation: Int
    var nodeID: String

    var pidFile: String { generation == 0 ? "supernode.pid" : "supernode.\(generation).pid" }
    var logFile: String { generation == 0 ? "supernode.log" : "supernode.\(generation).log" }
}

/// Starts the SuperNodes of a run, each with an authentication key of its own: the key pair is
/// made on the SuperNode's host (the private key is written there 0600 and never leaves it — not
/// printed, logged or stored in the state), its public half registered with the SuperLink by
/// `flwr supernode register` before the SuperNode starts (the SuperLink runs with
/// `--enable-supernode-auth`, so an unregistered node is refused).
///
/// A replacement for a SuperNode that died gets a new key and so a new node id; the dead node
/// is unregistered first, which makes the SuperLink answer the messages it still owed with
/// NODE_UNAVAILABLE at once instead of after its heartbeat expires (2 × 30 s in flwr 1.42).
struct FlowerNodeStarter {
    var run: Int
    var nodeCount: Int
    var address: String
    var linkCA: URL
    var federation: String
    var marker: String
    var cli: FlowerSite
    var keysDirectory: URL
    /// The host and run directory of a participant's VM.
    var place: (ParticipantSpec, String) throws -> (host: any FedHost.Host, directory: String)
    var interpreter: (any FedHost.Host) throws -> FlowerInterpreter
    var ca: (URL, String, FlowerSite) throws -> String

    func start(_ participant: ParticipantSpec, partition: Int, vm: String, generation: Int) throws -> FlowerNode {
        let (host, directory) = try place(participant, vm)
        let site = try FlowerSite.prepare(host: host, directory: directory, interpreter: interpreter(host))
        let caPath = try ca(linkCA, "tls/ca.crt", site)
        let nodePort = try FlowerRun.freePort(site)
        let nodeConfig: String
        do { nodeConfig = try FlowerConfig.nodeConfig(partition: partition, of: nodeCount, dataPath: participant.data.path) } catch {
            throw FlowerRun.Failure(description: "run.\(run): participant \(participant.name): \(error)")
        }
        let keyFile = "\(site.directory)/auth/supernode.\(generation).key"
        let publicKey = try Self.makeKey(at: keyFile, on: site)
        let nodeID = try register(publicKey, name: "\(participant.name).\(generation)")
        var node = FlowerNode(participant: participant, partition: partition, vm: vm, site: site, port: nodePort, generation: generation, nodeID: nodeID)
        try site.start("flower-supernode", ["--superlink", address, "--root-certificates", caPath, "--host", "127.0.0.1", "--port", "\(nodePort)",
                                            "--node-config", nodeConfig, "--auth-supernode-private-key", keyFile],
                       log: node.logFile, pidFile: node.pidFile, marker: marker)
        node.port = nodePort
        return node
    }

    /// Registers a public key with the SuperLink; the node id it was given.
    func register(_ publicKey: String, name: String) throws -> String {
        let file = keysDirectory.appendingPathComponent("\(name).pub")
        try FileManager.default.createDirectory(at: keysDirectory, withIntermediateDirectories: true)
        try Data((publicKey + "\n").utf8).write(to: file, options: .atomic)
        let out = try cli.flwr(["supernode", "register", file.path, federation, "--format", "json"], marker: marker, timeout: 60)
        let answer = (try? JSONValue.parse(out.stdout)) ?? .object([:])
        // The id is a 64-bit integer: read from the text (a Double would round it).
        guard answer["success"] == .bool(true), let id = Self.nodeID(in: out.stdout) else {
            throw FlowerRun.Failure(description: "run.\(run): flwr supernode register did not register \(name)'s key: \(answer["error-message"]?.stringValue ?? out.tail)")
        }
        return id
    }

    /// Text without terminal colour sequences (Flower colours its log lines).
    static func plain(_ s: String) -> String {
        var out = ""
        var escape = false
        for c in s.unicodeScalars {
            if escape { if ("@"..."~").contains(c) && c != "[" { escape = false }; continue }
            if c == "\u{1B}" { escape = true; continue }
            out.unicodeScalars.append(c)
        }
        return out.replacingOccurrences(of: "  +", with: " ", options: .regularExpression)
    }

    /// The digits of `"node-id": N` in flwr's JSON answer.
    static func nodeID(in json: String) -> String? {
        guard let key = json.range(of: "\"node-id\"") else { return nil }
        let rest = json[key.upperBound...].drop { $0 == ":" || $0 == " " || $0 == "\"" }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }

    /// Removes a node from the SuperLink (best effort: it may already be gone).
    func unregister(_ node: FlowerNode) {
        _ = try? cli.flwr(["supernode", "unregister", node.nodeID, federation, "--format", "json"], marker: marker, timeout: 60)
    }

    /// The VM after `vm` in the participant's circular queue of eligible VMs, skipping `vm`
    /// itself when another is eligible (the one it died on may be the cause).
    static func nextVM(_ participant: ParticipantSpec, after vm: String) -> String {
        let position = participant.vms.firstIndex { $0.id == vm } ?? -1
        let queue = CircularQueue(participant: participant, cursor: position + 1)
        return queue.next(skipping: [vm])?.vm.id ?? vm
    }

    /// Makes an ECDSA P-384 key pair on the site's host with the interpreter's `cryptography`
    /// (a flwr dependency): the private key in OpenSSH form, 0600, at `path`; returns the public
    /// key's OpenSSH line.
    static func makeKey(at path: String, on site: FlowerSite) throws -> String {
        let script = """
        import os, sys
        from cryptography.hazmat.primitives import serialization as s
        from cryptography.hazmat.primitives.asymmetric import ec
        k = ec.generate_private_key(ec.SECP384R1())
        p = sys.argv[1]
        os.makedirs(os.path.dirname(p), mode=0o700, exist_ok=True)
        fd = os.open(p + ".part", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, k.private_bytes(s.Encoding.PEM, s.PrivateFormat.OpenSSH, s.NoEncryption()))
        os.close(fd)
        os.replace(p + ".part", p)
        print(k.public_key().public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH).decode())
        """
        let out = try site.host.run("\(Shell.quote(site.interpreter.python)) -c \(Shell.quote(script)) \(Shell.quote(path))", "make a SuperNode key")
        let line = out.trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix("ecdsa-sha2-nistp384 ") else {
            throw FlowerRun.Failure(description: "making the SuperNode's key on \(site.host.label) gave no public key: \(line.prefix(200))")
        }
        return line
    }
}
