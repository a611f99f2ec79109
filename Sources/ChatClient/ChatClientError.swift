import Foundation

/// Everything that stops a terminal client, each one line that says what and how to fix.
public enum ChatClientError: Error, CustomStringConvertible, Equatable {
    case badURL(String, String)
    case wrongCredentials(login: String, url: String)
    case unreachable(url: String, reason: String)
    case notAChatServer(url: String, detail: String)
    case timedOut(url: String, what: String)
    case refused(url: String, detail: String)
    case connectionLost(url: String, detail: String)

    public var description: String {
        switch self {
        case .badURL(let text, let why):
            "bad URL \(text.debugDescription): \(why); use e.g. --url http://127.0.0.1:8080"
        case .wrongCredentials(let login, let url):
            "\(url) refused the log-in of \(login.debugDescription): wrong login or password; check --user and the password"
        case .unreachable(let url, let reason):
            "cannot reach \(url): \(reason); is `chatctl serve` running there? (check --url)"
        case .notAChatServer(let url, let detail):
            "\(url) does not look like a chatctl server (\(detail)); check --url"
        case .timedOut(let url, let what):
            "\(url) did not answer \(what) in time; check --url and the network"
        case .refused(let url, let detail):
            "\(url) refused the WebSocket (\(detail)); check --url and that the account can chat"
        case .connectionLost(let url, let detail):
            "lost the connection to \(url) (\(detail))"
        }
    }

    /// The cause alone, for a status line while reconnecting (the fix-it hint is for final errors).
    public var reason: String {
        switch self {
        case .unreachable(_, let reason): reason
        case .timedOut(_, let what): "no answer to \(what)"
        case .connectionLost(_, let detail), .notAChatServer(_, let detail), .refused(_, let detail): detail
        case .badURL, .wrongCredentials: description
        }
    }

    /// Whether a later attempt may succeed (the server restarting, the network coming back).
    var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut, .connectionLost, .notAChatServer, .refused: true
        case .badURL, .wrongCredentials: false
        }
    }
}
