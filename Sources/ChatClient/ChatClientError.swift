import ChatModel
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

    public var description: String { problem.description }

    /// What went wrong and how to fix it.
    public var problem: FixableError {
        switch self {
        case .badURL(let text, let why):
            FixableError("bad URL \(text.debugDescription): \(why)", fix: "use e.g. --url http://127.0.0.1:8080")
        case .wrongCredentials(let login, let url):
            FixableError("\(url) refused the log-in of \(login.debugDescription): wrong login or password", fix: "check --user and the password")
        case .unreachable(let url, let reason):
            FixableError("cannot reach \(url): \(reason)", fix: "is `chatctl serve` running there? (check --url)")
        case .notAChatServer(let url, let detail):
            FixableError("\(url) does not look like a chatctl server (\(detail))", fix: "check --url")
        case .timedOut(let url, let what):
            FixableError("\(url) did not answer \(what) in time", fix: "check --url and the network")
        case .refused(let url, let detail):
            FixableError("\(url) refused the WebSocket (\(detail))", fix: "check --url and that the account can chat")
        case .connectionLost(let url, let detail):
            FixableError("lost the connection to \(url) (\(detail))", fix: "")
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
