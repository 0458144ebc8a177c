import Foundation

/// A real moto server on 127.0.0.1 with a small fault-injecting proxy in front of it, both in one
/// Python process that the test owns: `stop()` (or deinit) ends it and moto with it, and it also
/// ends itself when the test process dies (it watches its parent), so no emulator outlives a test.
///
/// The proxy forwards every request to moto unchanged (Host kept, so signatures still verify)
/// unless a fault is queued for the request's `Action`: an HTTP status with an AWS error code,
/// a delay, a dropped connection before forwarding, or one dropped after moto acted on it.
public final class AWSEmulator: @unchecked Sendable {
    public private(set) var motoPort = 0
    public private(set) var proxyPort = 0
    private let process: Process
    private let log: URL

    /// moto itself (no faults).
    public var endpoint: String { "http://127.0.0.1:\(motoPort)" }
    /// Through the fault proxy.
    public var proxyEndpoint: String { "http://127.0.0.1:\(proxyPort)" }

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Both servers bind port 0 themselves and report the ports they got: a port chosen here and
    /// bound later could be taken in between, and the health check would then answer from another
    /// test's emulator.
    public init() throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-moto-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, "\(getpid())"]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()   // the child has its own
        let deadline = Date().addingTimeInterval(60)
        var ports: (moto: Int, proxy: Int)?
        while Date() < deadline {
            if ports == nil, let text = try? String(contentsOf: log, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ports ") }) {
                let numbers = line.split(separator: " ").dropFirst().compactMap { Int($0) }
                if numbers.count == 2 { ports = (numbers[0], numbers[1]) }
            }
            if let ports {
                motoPort = ports.moto
                proxyPort = ports.proxy
                if (try? get(proxyEndpoint + "/moto-api/"))?.status == 200 { return }
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw Failure(description: "moto did not start (is it installed? `python3 -m pip install 'moto[server]'`): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    deinit { stop() }

    public func stop() {
        if process.isRunning {
            process.terminate()
            // SIGKILL if SIGTERM is not acted on soon; moto runs in that process and ends with it.
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
    }

    /// Forgets every resource (and auth mode).
    public func reset() throws { _ = try post(endpoint + "/moto-api/reset", body: "") }

    /// After `requests` more requests, moto checks keys, signatures and IAM policies.
    public func enableAuth(afterRequests requests: Int) throws {
        _ = try post(endpoint + "/moto-api/reset-auth", body: "\(requests)", contentType: "text/plain")
    }

    public struct Fault: Encodable {
        public var action: String
        public var status: Int?
        public var code: String?
        public var times: Int
        public var delay_s: Double?
        public var drop: Bool?
        public var after_forward: Bool?
        public var retry_after: Int?

        public static func status(_ action: String, _ status: Int, code: String, times: Int, retryAfter: Int? = nil) -> Fault {
            Fault(action: action, status: status, code: code, times: times, retry_after: retryAfter)
        }
        /// The request reaches moto (so it acts), then the client's connection is closed unanswered.
        public static func dropAfterForwarding(_ action: String, times: Int = 1) -> Fault {
            Fault(action: action, times: times, drop: true, after_forward: true)
        }
    }

    public func inject(_ fault: Fault) throws {
        _ = try post(proxyEndpoint + "/__faults", body: String(decoding: try JSONEncoder().encode(fault), as: UTF8.self), contentType: "application/json")
    }

    /// How many requests of each Action reached the proxy.
    public func counts() throws -> [String: Int] {
        let r = try get(proxyEndpoint + "/__counts")
        return (try JSONSerialization.jsonObject(with: r.body) as? [String: Int]) ?? [:]
    }

    // MARK: plumbing (curl, so the support code does not depend on the code under test)

    public struct Response { public var status: Int; public var body: Data }

    func get(_ url: String) throws -> Response { try curl(["-s", "-o", "-", "-w", "\n%{http_code}", url]) }

    func post(_ url: String, body: String, contentType: String = "application/x-www-form-urlencoded") throws -> Response {
        try curl(["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", "-H", "Content-Type: \(contentType)", "--data-binary", body, url])
    }

    /// A signed AWS query call with curl's own SigV4 (independent of fedplane's signer), for
    /// tests that act behind fedplane's back or inspect what exists.
    public func awsCall(service: String, region: String = "us-east-1", _ form: String,
                        key: String = "AKIAFEDPLANETEST0001", secret: String = "fedplanetestsecret0000000000000000000001") throws -> String {
        let r = try curl(["-s", "-o", "-", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:\(region):\(service)", "--user", "\(key):\(secret)",
                          "-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", form, endpoint + "/"])
        return String(decoding: r.body, as: UTF8.self)
    }

    func curl(_ args: [String]) throws -> Response {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["curl", "--max-time", "30"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self)
        guard let nl = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: nl)...]) else {
            throw Failure(description: "curl \(args.last ?? "") gave no status")
        }
        text = String(text[..<nl])
        return Response(status: status, body: Data(text.utf8))
    }

    /// A port nothing listens on (for unreachable-endpoint tests).
    public static func unusedPort() throws -> Int { try freePort() }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw Failure(description: "bind failed") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static let script = #"""
import http.client, json, logging, os, signal, socket, sys, threading, time, urllib.parse
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from moto.server import ThreadedMotoServer
parent = int(sys.argv[1])
# The test process may block signals, and children inherit the mask: unblock ours.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
logging.getLogger("werkzeug").setLevel(logging.ERROR)
# moto runs in this process: it ends with it, however it ends.
moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
moto.start()
moto_port = moto.get_host_and_port()[1]
def bye(*_):
    os._exit(0)
signal.signal(signal.SIGTERM, bye)
signal.signal(signal.SIGINT, bye)
faults, counts, lock = [], {}, threading.Lock()
class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_GET(self): self.serve()
    def do_POST(self): self.serve()
    def reply(self, status, data, extra=None):
        self.send_response(status)
        for k, v in (extra or {}).items(): self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def drop(self):
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)
    def serve(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__faults":
            with lock: faults.append(json.loads(body))
            return self.reply(200, b"{}")
        if self.path == "/__counts":
            with lock: data = json.dumps(counts).encode()
            return self.reply(200, data)
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        fault = None
        with lock:
            counts[action] = counts.get(action, 0) + 1
            for f in faults:
                if f.get("action") == action and f.get("times", 1) > 0:
                    f["times"] = f.get("times", 1) - 1
                    fault = dict(f)
                    break
        if fault and fault.get("delay_s"): time.sleep(fault["delay_s"])
        if fault and fault.get("drop") and not fault.get("after_forward"): return self.drop()
        if fault and fault.get("status"):
            xml = ('<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>injected by the test proxy</Message>'
                   '</Error></Errors><RequestID>fault-%s-%d</RequestID></Response>' % (fault.get("code", "ServiceUnavailable"), action, counts[action])).encode()
            extra = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") is not None else None
            return self.reply(fault["status"], xml, extra)
        conn = http.client.HTTPConnection("127.0.0.1", moto_port, timeout=60)
        conn.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
        r = conn.getresponse()
        data = r.read()
        if fault and fault.get("drop"): return self.drop()
        self.reply(r.status, data, {k: v for k, v in r.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")})
server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
threading.Thread(target=server.serve_forever, daemon=True).start()
print("ports %d %d" % (moto_port, server.server_address[1]), flush=True)
while True:
    if os.getppid() != parent: bye()
    time.sleep(0.3)
"""#
}
