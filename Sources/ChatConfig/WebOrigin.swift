import Foundation

/// A web origin as `ALLOWED_ORIGINS` lists it and browsers send it: `scheme://host[:port]`.
public enum WebOrigin {
    /// scheme://host[:port], lower-cased, without path and without the scheme's default port (so that
    /// `https://x:443` and `https://x` are one origin, as browsers send it); nil when it is no origin a browser
    /// could send: another scheme, a path, credentials, a fragment, or a host that is no name or address
    /// (`https://*.example.com` matches nothing: origins have no wildcards).
    public static func normalize(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host?.lowercased(), !host.isEmpty,
            components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil,
            components.user == nil, components.password == nil
        else { return nil }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard HostValidator.isValid(bare) else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = components.port, port != defaultPort {
            guard (1...65535).contains(port) else { return nil }
            return "\(scheme)://\(host):\(port)"
        }
        return "\(scheme)://\(host)"
    }
}
