import ChatConfig
import Foundation

/// Cross-site request forgery protection as Go's `http.CrossOriginProtection` does it: browsers say where a
/// request comes from (`Sec-Fetch-Site`, `Origin`); requests that carry neither come from non-browser
/// clients and pass.
public struct OriginPolicy: Sendable {
    public var trustedOrigins: Set<String>

    public init(trustedOrigins: [String]) {
        self.trustedOrigins = Set(trustedOrigins.compactMap(WebOrigin.normalize))
    }

    public enum Verdict: Equatable {
        case allowed
        case crossOrigin(String)
    }

    /// - Parameters:
    ///   - host: the request's Host header, compared with the Origin's host[:port].
    public func check(method: String, secFetchSite: String?, origin: String?, host: String?) -> Verdict {
        if ["GET", "HEAD", "OPTIONS"].contains(method) { return .allowed }
        return checkOrigin(secFetchSite: secFetchSite, origin: origin, host: host)
    }

    /// The check without the safe-method exemption: WebSocket upgrades are GETs that act.
    public func checkOrigin(secFetchSite: String?, origin: String?, host: String?) -> Verdict {
        if let origin, let normalized = WebOrigin.normalize(origin), trustedOrigins.contains(normalized) { return .allowed }
        if let site = secFetchSite?.lowercased() {
            if site == "same-origin" || site == "none" { return .allowed }
            return .crossOrigin("Sec-Fetch-Site: \(site)")
        }
        guard let origin else { return .allowed }
        if let nonBrowser = Self.nonBrowserOriginHost(origin), let host {
            // WebSocket client libraries (not browsers, whose Origin is always the page's http(s) origin)
            // send "ws://host" without the port.
            if nonBrowser == Self.stripPort(host).lowercased() { return .allowed }
            return .crossOrigin("Origin \(origin.prefix(100)) is not this server")
        }
        guard let host, let originHost = Self.hostPart(of: origin), originHost.lowercased() == host.lowercased() else {
            return .crossOrigin("Origin \(origin.prefix(100)) is not this server")
        }
        return .allowed
    }

    static func nonBrowserOriginHost(_ origin: String) -> String? {
        guard let components = URLComponents(string: origin), let scheme = components.scheme?.lowercased(),
            scheme == "ws" || scheme == "wss", let host = components.host
        else { return nil }
        return host.lowercased()
    }

    static func stripPort(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        guard let colon = authority.lastIndex(of: ":") else { return authority }
        return String(authority[..<colon])
    }

    static func hostPart(of origin: String) -> String? {
        guard let components = URLComponents(string: origin), let host = components.host else { return nil }
        if let port = components.port { return "\(host):\(port)" }
        return host
    }
}
