import Foundation

/// A web origin as `ALLOWED_ORIGINS` lists it and browsers send it: `scheme://host[:port]`.
public enum WebOrigin {
    /// scheme://host[:port], lower-cased, without path; nil when it is no origin.
    public static func normalize(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host?.lowercased(), !host.isEmpty,
            components.path.isEmpty || components.path == "/", components.query == nil
        else { return nil }
        if let port = components.port { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }
}
