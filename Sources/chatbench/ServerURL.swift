struct ServerURL {
    var host: String
    var port: Int

    init(_ url: String) throws {
        var s = Substring(url)
        if s.hasPrefix("http://") { s = s.dropFirst(7) } else if s.hasPrefix("ws://") { s = s.dropFirst(5) }
        if let slash = s.firstIndex(of: "/") { s = s[..<slash] }
        let parts = s.split(separator: ":")
        guard parts.count == 2, let p = Int(parts[1]), p > 0, p < 65536 else {
            throw BenchFailure("--url must look like http://127.0.0.1:PORT, got \(url)")
        }
        host = String(parts[0])
        port = p
        if host == "localhost" { host = "127.0.0.1" }
    }

    var hostHeader: String { "\(host):\(port)" }
}
