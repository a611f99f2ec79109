// A minimal blocking HTTP/1.1 client on POSIX sockets: sign-up, log-in and history timing.
// Keep-alive when the server allows it; Content-Length, chunked and read-to-EOF bodies.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

final class HTTPClient {
    let url: ServerURL
    private var fd: Int32 = -1
    private var buf = [UInt8]()   // bytes read but not yet consumed

    init(url: ServerURL) { self.url = url }
    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { close(fd); fd = -1 }
        buf.removeAll(keepingCapacity: true)
    }

    private func connectIfNeeded() throws {
        if fd >= 0 { return }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure("socket(): errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(url.port).bigEndian)
        guard inet_pton(AF_INET, url.host, &addr.sin_addr) == 1 else {
            throw BenchFailure("host must be an IPv4 address: \(url.host)")
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let e = errno
            disconnect()
            throw BenchFailure("connect to \(url.hostHeader) failed: errno \(e) (is the server running?)")
        }
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; throw BenchFailure("send failed: errno \(errno)") }
            off += n
        }
    }

    /// Reads more bytes into buf; false on EOF.
    private func fill() throws -> Bool {
        var tmp = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = tmp.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
            if n < 0 { if errno == EINTR { continue }; throw BenchFailure("recv failed: errno \(errno)") }
            if n == 0 { return false }
            buf.append(contentsOf: tmp[0..<n])
            return true
        }
    }

    private func findCRLF(from: Int) -> Int? {
        var i = from
        while i + 1 < buf.count {
            if buf[i] == 13 && buf[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// One request; retries once on a fresh connection if a kept-alive one was closed by the server.
    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> HTTPResponse {
        do {
            return try requestOnce(method, path, headers: headers, body: body)
        } catch let e as StaleConnection {
            _ = e
            disconnect()
            return try requestOnce(method, path, headers: headers, body: body)
        }
    }

    private struct StaleConnection: Error {}

    private func requestOnce(_ method: String, _ path: String, headers: [(String, String)], body: [UInt8]?) throws -> HTTPResponse {
        let reused = fd >= 0
        try connectIfNeeded()
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nUser-Agent: chatbench\r\nAccept: */*\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes += body }
        do { try sendAll(bytes) } catch { if reused { throw StaleConnection() }; throw error }

        // Status line and headers.
        var headerEnd: Int? = nil
        while headerEnd == nil {
            if let i = buf.withUnsafeBytes(headEnd) { headerEnd = i; break }
            let more: Bool
            do { more = try fill() } catch { if reused && buf.isEmpty { throw StaleConnection() }; throw error }
            if !more {
                if reused && buf.isEmpty { throw StaleConnection() }
                throw BenchFailure("connection closed before the response headers")
            }
        }
        let headText = String(decoding: buf[0..<headerEnd!], as: UTF8.self)
        buf.removeFirst(headerEnd! + 4)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst()
        let sp = statusLine.split(separator: " ")
        guard sp.count >= 2, let status = Int(sp[1]) else { throw BenchFailure("bad status line: \(statusLine)") }
        var hdrs = [(String, String)]()
        for l in lines {
            guard let c = l.firstIndex(of: ":") else { continue }
            hdrs.append((String(l[..<c]), l[l.index(after: c)...].trimmingCharacters()))
        }
        var resp = HTTPResponse(status: status, headers: hdrs, body: [])
        let noBody = method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status)
        if !noBody {
            if let cl = resp.header("Content-Length"), let n = Int(cl) {
                while buf.count < n { if try !fill() { throw BenchFailure("connection closed mid-body") } }
                resp.body = Array(buf[0..<n])
                buf.removeFirst(n)
            } else if resp.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
                try readChunked(into: &resp.body)
            } else {
                while try fill() {}
                resp.body = buf
                buf.removeAll()
                disconnect()
            }
        }
        if resp.header("Connection")?.lowercased() == "close" { disconnect() }
        return resp
    }

    private func readChunked(into body: inout [UInt8]) throws {
        while true {
            var lineEnd = findCRLF(from: 0)
            while lineEnd == nil { if try !fill() { throw BenchFailure("closed in chunk header") }; lineEnd = findCRLF(from: 0) }
            let sizeText = String(decoding: buf[0..<lineEnd!], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText.trimmingCharacters(), radix: 16) else { throw BenchFailure("bad chunk size") }
            buf.removeFirst(lineEnd! + 2)
            if size == 0 {
                // trailers until an empty line
                while true {
                    var e = findCRLF(from: 0)
                    while e == nil { if try !fill() { return }; e = findCRLF(from: 0) }
                    buf.removeFirst(e! + 2)
                    if e! == 0 { return }
                }
            }
            while buf.count < size + 2 { if try !fill() { throw BenchFailure("closed mid-chunk") } }
            body += buf[0..<size]
            buf.removeFirst(size + 2)
        }
    }
}
