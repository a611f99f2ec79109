import Foundation

/// `MONGO_HOST`: a `mongodb://` or `mongodb+srv://` connection string, checked and shown without its
/// password. The one parser of its shape and the one redactor, for the loader, `chatctl check` and the store
/// (libmongoc parses it again to connect).
public enum MongoURI {
    /// Why `uri` is not a usable MongoDB connection string, or nil.
    public static func problem(_ uri: String) -> String? {
        let scheme: String
        if uri.hasPrefix("mongodb://") { scheme = "mongodb://" } else if uri.hasPrefix("mongodb+srv://") { scheme = "mongodb+srv://" } else {
            return "not a MongoDB URI (must start with mongodb:// or mongodb+srv://)"
        }
        var rest = Substring(uri.dropFirst(scheme.count))
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            let database = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if database.contains(where: { " \"$*<>:|\\".contains($0) }) { return "the database name in the URI has a forbidden character" }
            rest = rest[..<slash]
        } else if rest.contains("?") {
            return "options must follow a '/' (mongodb://host/?options)"
        }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            if credentials.isEmpty { return "empty credentials before '@'" }
            rest = rest[rest.index(after: at)...]
        }
        let hosts = rest.split(separator: ",", omittingEmptySubsequences: false)
        if hosts.isEmpty || hosts.contains(where: \.isEmpty) { return "no host in the URI" }
        if scheme == "mongodb+srv://", hosts.count != 1 || hosts[0].contains(":") {
            return "mongodb+srv:// takes exactly one host name and no port"
        }
        for host in hosts {
            var name = Substring(host)
            var port: Substring?
            if name.hasPrefix("[") {
                guard let close = name.firstIndex(of: "]") else { return "unterminated IPv6 address in the URI" }
                let after = name[name.index(after: close)...]
                if after.hasPrefix(":") { port = after.dropFirst() } else if !after.isEmpty { return "bad host '\(host)'" }
                name = name[name.index(after: name.startIndex)..<close]
            } else if let colon = name.lastIndex(of: ":") {
                port = name[name.index(after: colon)...]
                name = name[..<colon]
            }
            if name.isEmpty { return "empty host name in the URI" }
            if let port {
                guard let number = Int(port), (1...65535).contains(number) else { return "port '\(port)' in the URI is not a number from 1 to 65535" }
            }
            if !name.contains(":") && !name.hasSuffix(".sock") && !HostValidator.isValid(String(name)) {
                return "'\(name)' is not a host name"
            }
        }
        return nil
    }

    /// The URI with any password replaced by ***.
    public static func redacted(_ uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://"), let at = uri.range(of: "@", options: .backwards),
            at.lowerBound > schemeEnd.upperBound
        else { return uri }
        let credentials = uri[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at.lowerBound...])
    }

    /// The percent-encoded password as written in the URI, to scrub it from messages; found even in a URI
    /// that is otherwise malformed.
    public static func rawPassword(in uri: String) -> String? {
        guard let scheme = uri.range(of: "://") else { return nil }
        let authority = uri[scheme.upperBound...].prefix(while: { $0 != "/" && $0 != "?" })
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = userInfo[userInfo.index(after: colon)...]
        return password.isEmpty ? nil : String(password)
    }
}
