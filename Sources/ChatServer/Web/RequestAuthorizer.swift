import ChatAuth
import ChatModel
import ChatStorage
import Foundation
import HTTPTypes

/// The one decision of who is asking and whether they may, for pages, the API and the WebSocket upgrade
/// alike: the middleware asks it for every routed request and `WebSocketEndpoint` for every upgrade
/// (which NIO's upgrader answers before the router sees it, so that a WebSocket needs no task).
struct RequestAuthorizer: Sendable {
    let server: ServerContext

    /// What the decision needs of a request.
    struct Request: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var cookieHeaders: [String]
        var origin: String?
        var secFetchSite: String?
        var host: String?
        /// A WebSocket upgrade: a GET that acts, so the origin is checked as for a POST.
        var isUpgrade = false
    }

    enum Verdict: Sendable, Equatable {
        /// Go on; nil on the open paths when nobody is logged in.
        case allowed(SignedIn?)
        /// A browser marked the request cross-site.
        case crossOrigin(String)
        /// A path that needs a session, asked without one.
        case needsLogin
        /// The session could not be looked up.
        case storeUnavailable
    }

    /// Paths anyone may ask for: the forms, probes and static assets.
    static func isOpen(_ path: String) -> Bool {
        ["/login", "/signin", "/signout", "/health", "/ready", "/metrics", "/favicon.ico"].contains(path) || path.hasPrefix("/static/")
    }

    /// Paths whose refusals are JSON (`{"error":…}`), not a redirect to the log-in page.
    static func answersInJSON(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path == "/ws"
    }

    func authorize(_ request: Request) async -> Verdict {
        let origin = request.isUpgrade
            ? server.origins.checkOrigin(secFetchSite: request.secFetchSite, origin: request.origin, host: request.host)
            : server.origins.check(method: request.method.rawValue, secFetchSite: request.secFetchSite, origin: request.origin, host: request.host)
        if case .crossOrigin(let why) = origin { return .crossOrigin(why) }
        let signedIn: SignedIn?
        do {
            signedIn = try await server.user(fromCookie: SessionCookie.value(in: request.cookieHeaders))
        } catch {
            return .storeUnavailable
        }
        if signedIn == nil && !Self.isOpen(request.path) { return .needsLogin }
        return .allowed(signedIn)
    }
}
