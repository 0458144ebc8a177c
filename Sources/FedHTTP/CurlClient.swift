import CCurl
import Foundation

/// One HTTP response: status, headers (lower-cased names) and body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that did not complete: which request, what libcurl said.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible, Equatable {
    public var method: String
    public var url: String
    public var code: Int
    public var message: String
    /// The connection was refused or timed out: the peer is down or slow, trying again may work.
    public var isUnreachable: Bool

    public var description: String { "\(method) \(url) failed: \(message) (curl error \(code))" }
}

/// Mutual TLS for a client: the only CA it trusts for the server (no system trust store), and its
/// own certificate and key (PEM files; the key file should be 0600).
public struct ClientTLS: Sendable, Codable, Equatable {
    public var caFile: String
    /// The client's certificate and key (nil: none is presented, which the aggregator refuses).
    public var certificateFile: String?
    public var keyFile: String?

    public init(caFile: String, certificateFile: String?, keyFile: String?) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// A small synchronous HTTP client on libcurl's easy interface (one handle per request), used by
/// the participant agent and, later, by the cloud providers.
public struct CurlClient: Sendable {
    public var timeoutSeconds: Double
    public var connectTimeoutSeconds: Double
    /// With it, only HTTPS: the server is verified against `tls.caFile` alone (its name or IP
    /// must be in its certificate) and the client presents its certificate.
    public var tls: ClientTLS?

    public init(timeoutSeconds: Double = 60, connectTimeoutSeconds: Double = 5, tls: ClientTLS? = nil) {
        self.timeoutSeconds = timeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.tls = tls
    }

    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    private final class Sink {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        /// When set, a 2xx body goes to this file descriptor instead of `body`.
        var file: Int32?
        var fileError: Int32 = 0
        /// The status of the response being received, from its status line.
        var statusCode = 0
    }

    public func request(_ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil) throws(HTTPClientError) -> HTTPResponse {
        guard let body else { return try perform(method, url, headers: headers, body: nil, file: nil) }
        let result: Result<HTTPResponse, HTTPClientError> = body.withUnsafeBytes { raw in
            // A non-nil pointer even for an empty body, so libcurl sends Content-Length: 0.
            let pinned = raw.baseAddress == nil ? UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: 1), count: 0) : raw
            do throws(HTTPClientError) { return .success(try perform(method, url, headers: headers, body: pinned, file: nil)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Sends `body` from memory where it lies (e.g. a mapped file): no copy is made.
    public func request(_ method: String, _ url: String, headers: [String: String] = [:], body: UnsafeRawBufferPointer) throws(HTTPClientError) -> HTTPResponse {
        try perform(method, url, headers: headers, body: body, file: nil)
    }

    /// Streams a successful (2xx) response body into the file at `path` (created or truncated,
    /// mode 0644) as it arrives, never holding it whole; the returned response's body is empty
    /// then. Any other status keeps its (short) body in the response, and the file is removed.
    public func download(_ method: String, _ url: String, headers: [String: String] = [:], toFile path: String) throws(HTTPClientError) -> HTTPResponse {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw HTTPClientError(method: method, url: url, code: -1, message: "cannot create \(path): \(String(cString: strerror(errno)))", isUnreachable: false)
        }
        var response: HTTPResponse
        do {
            response = try perform(method, url, headers: headers, body: nil, file: fd)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        let closed = close(fd)
        if !(200..<300).contains(response.status) { unlink(path) } else if closed != 0 {
            throw HTTPClientError(method: method, url: url, code: -1, message: "cannot write \(path): \(String(cString: strerror(errno)))", isUnreachable: false)
        }
        return response
    }

    private func perform(_ method: String, _ url: String, headers: [String: String], body: UnsafeRawBufferPointer?, file: Int32?) throws(HTTPClientError) -> HTTPResponse {
        _ = Self.globalInit
        guard let h = curl_easy_init() else {
            throw HTTPClientError(method: method, url: url, code: -1, message: "curl_easy_init failed", isUnreachable: false)
        }
        defer { curl_easy_cleanup(h) }
        let sink = Sink()
        sink.file = file
        let sinkRef = Unmanaged.passRetained(sink)
        defer { sinkRef.release() }

        var list: UnsafeMutablePointer<curl_slist>?
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { list = curl_slist_append(list, "\(k): \(v)") }
        // No "Expect: 100-continue" round trip for uploads.
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }

        ccurl_setopt_string(h, CURLOPT_URL, url)
        ccurl_setopt_string(h, CURLOPT_CUSTOMREQUEST, method)
        ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(timeoutSeconds * 1000))
        ccurl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeoutSeconds * 1000))
        ccurl_setopt_slist(h, CURLOPT_HTTPHEADER, list)
        if let tls {
            ccurl_setopt_string(h, CURLOPT_PROTOCOLS_STR, "https")
            ccurl_setopt_string(h, CURLOPT_CAINFO, tls.caFile)
            // No system trust store: the federation CA only.
            ccurl_setopt_pointer(h, CURLOPT_CAPATH, nil)
            ccurl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 1)
            ccurl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 2)
            if let cert = tls.certificateFile, let key = tls.keyFile {
                ccurl_setopt_string(h, CURLOPT_SSLCERTTYPE, "PEM")
                ccurl_setopt_string(h, CURLOPT_SSLCERT, cert)
                ccurl_setopt_string(h, CURLOPT_SSLKEYTYPE, "PEM")
                ccurl_setopt_string(h, CURLOPT_SSLKEY, key)
            }
        }
        // A model streamed to a file is written in large pieces (libcurl's default is 16 KiB:
        // one callback and one write(2) per 16 KiB of a 27 MB model).
        if file != nil { ccurl_setopt_long(h, CURLOPT_BUFFERSIZE, 1 << 20) }
        ccurl_setopt_pointer(h, CURLOPT_WRITEDATA, sinkRef.toOpaque())
        ccurl_setopt_write_callback(h, CURLOPT_WRITEFUNCTION) { ptr, size, count, user in
            let n = size * count
            guard let ptr, let user else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
            // Into the file only for a success (an error's text is kept in memory to report it).
            if let fd = sink.file, (200..<300).contains(sink.statusCode) {
                var done = 0
                while done < n {
                    let w = write(fd, UnsafeRawPointer(ptr) + done, n - done)
                    if w < 0 {
                        if errno == EINTR { continue }
                        sink.fileError = errno
                        return 0
                    }
                    done += w
                }
                return n
            }
            ptr.withMemoryRebound(to: UInt8.self, capacity: n) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
            return n
        }
        ccurl_setopt_pointer(h, CURLOPT_HEADERDATA, sinkRef.toOpaque())
        ccurl_setopt_write_callback(h, CURLOPT_HEADERFUNCTION) { ptr, size, count, user in
            let n = size * count
            guard let ptr, let user else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
            let line = ptr.withMemoryRebound(to: UInt8.self, capacity: n) { String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self) }
            if line.hasPrefix("HTTP/") {
                // A new response (after a redirect or 100 Continue): its own headers and status.
                sink.headers = [:]
                sink.statusCode = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                sink.headers[name] = value
                // The body's size is known: one allocation instead of repeated doubling.
                if name == "content-length", sink.file == nil, let length = Int(value), length > 0, length <= 1 << 31 {
                    sink.body.reserveCapacity(length)
                }
            }
            return n
        }

        if let body {
            ccurl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            ccurl_setopt_pointer(h, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
        }
        let code = curl_easy_perform(h)
        if sink.fileError != 0 {
            throw HTTPClientError(method: method, url: url, code: Int(CURLE_WRITE_ERROR.rawValue),
                                  message: "cannot write the response body: \(String(cString: strerror(sink.fileError)))", isUnreachable: false)
        }
        guard code == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(code))
            let unreachable = [CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR].contains(code)
            throw HTTPClientError(method: method, url: url, code: Int(code.rawValue), message: message, isUnreachable: unreachable)
        }
        var status = 0
        ccurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }
}
