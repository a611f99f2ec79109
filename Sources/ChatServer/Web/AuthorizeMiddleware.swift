import ChatModel
import ChatAuth
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The original's `authorize` middleware: everything but the open paths needs a session.
struct AuthorizeMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext
    let server: ChatServer

    static func isOpen(_ path: String) -> Bool {
        ["/login", "/signin", "/signout", "/health", "/ready", "/metrics", "/favicon.ico"].contains(path) || path.hasPrefix("/static/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.user = try? await server.user(fromCookie: request.cookies[SessionCookie.name]?.value)
        if context.user == nil && !Self.isOpen(request.uri.path) {
            if request.uri.path.hasPrefix("/api/") || request.uri.path == "/ws" {
                return JSONResponse.error(.unauthorized, "log in first")
            }
            return .redirect(to: "/login", type: .found)
        }
        return try await next(request, context)
    }
}
