struct HTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.0.lowercased() == n }?.1
    }

    /// "name=value" pairs from every Set-Cookie, joined for a Cookie header.
    var cookieHeader: String {
        headers.filter { $0.0.lowercased() == "set-cookie" }
            .compactMap { $0.1.split(separator: ";").first.map { $0.trimmingCharacters() } }
            .joined(separator: "; ")
    }
}

/// Offset of the CR LF CR LF that ends an HTTP head at the start of `bytes`; nil while it has not arrived.
/// Shared by the client (HTTPClient), the WebSocket upgrade (WSConn) and the echo server (EchoConn).
func headEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
        return i
    }
    return nil
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
