import Foundation

/// Where a chat server lives: `http://host:port[/prefix]` or `https://…`; the WebSocket URL follows from it.
public struct ChatEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var tls: Bool
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash ("" for a server at the root).
    public var basePath: String

    public init(tls: Bool, host: String, port: Int, basePath: String = "") {
        self.tls = tls
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// Accepts `http://`, `https://`, `ws://`, `wss://` and a bare `host[:port]` (http). Query and fragment are refused.
    public init(parsing text: String) throws {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { throw ChatClientError.badURL(text, "it is empty") }
        var tls = false
        if let range = rest.range(of: "://") {
            switch rest[..<range.lowerBound].lowercased() {
            case "http", "ws": tls = false
            case "https", "wss": tls = true
            case let scheme: throw ChatClientError.badURL(text, "the scheme \(scheme) is not http or https")
            }
            rest = rest[range.upperBound...]
        }
        if rest.contains("?") || rest.contains("#") || rest.contains("@") {
            throw ChatClientError.badURL(text, "give only scheme, host, port and path (no query, fragment or credentials)")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw ChatClientError.badURL(text, "unclosed [ in the host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw ChatClientError.badURL(text, "unexpected text after the host")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw ChatClientError.badURL(text, "it has no host") }
        var port = tls ? 443 : 80
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw ChatClientError.badURL(text, "the port must be a number from 1 to 65535")
            }
            port = value
        }
        if tls, Self.isIPAddress(String(host)) {
            // TLS names the server in SNI, which cannot carry an address; certificates name hosts anyway.
            throw ChatClientError.badURL(text, "https needs the server's host name, not an IP address")
        }
        self.init(tls: tls, host: String(host), port: port, basePath: path)
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The server's own address for a client on the same machine: `HOST`/`PORT` from the configuration,
    /// with a wildcard listen address replaced by loopback.
    public static func fromConfiguration(host: String?, port: String?) throws -> ChatEndpoint {
        var host = host ?? "127.0.0.1"
        if host.isEmpty || host == "0.0.0.0" || host == "::" || host == "[::]" { host = "127.0.0.1" }
        let portText = port ?? "8080"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ChatClientError.badURL(portText, "PORT must be a number from 1 to 65535; pass --url")
        }
        return ChatEndpoint(tls: false, host: host, port: port)
    }

    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
    var defaultPort: Bool { port == (tls ? 443 : 80) }
    var authority: String { defaultPort ? hostForURL : "\(hostForURL):\(port)" }

    /// `http(s)://host[:port]/prefix`
    public var description: String { "\(tls ? "https" : "http")://\(authority)\(basePath)" }

    public func path(_ path: String) -> String { basePath + path }

    /// The WebSocket URL, replaying after `since` when given.
    public func webSocketURL(since: String?) -> String {
        var url = "\(tls ? "wss" : "ws")://\(authority)\(basePath)/ws"
        if let since { url += "?since=\(since)" }
        return url
    }
}
