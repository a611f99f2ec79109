import Foundation

/// The session cookie, as the server sets it and the terminal clients send it back.
public enum SessionCookie {
    public static let name = "chat_session"
}

extension SessionCookie {
    /// The session cookie's value in a request's `Cookie` headers, if it is there.
    public static func value(in cookieHeaders: [String]) -> String? {
        for header in cookieHeaders {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { continue }
                return String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
