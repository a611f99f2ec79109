import ChatModel
import ChatAuth
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The original's `authorize` middleware: everything but the open paths needs a session, and a browser's
/// cross-site request that acts is refused (see `RequestAuthorizer`, which decides WebSocket upgrades too).
struct AuthorizeMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext
    let authorizer: RequestAuthorizer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let verdict = await authorizer.authorize(.init(
            method: request.method, path: path, cookieHeaders: request.headers[values: .cookie],
            origin: request.headers[.origin], secFetchSite: request.headers[.secFetchSite], host: request.head.authority))
        switch verdict {
        case .allowed(let signedIn):
            var context = context
            context.user = signedIn?.user
            context.session = signedIn?.session
            return try await next(request, context)
        case .crossOrigin(let why):
            context.logger.notice("cross-origin request refused", metadata: ["why": "\(why)"])
            return Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "Forbidden: cross-origin request\n")))
        case .needsLogin where RequestAuthorizer.answersInJSON(path):
            return JSONResponse.error(.unauthorized, "log in first")
        case .needsLogin:
            return .redirect(to: "/login", type: .found)
        case .storeUnavailable where RequestAuthorizer.isOpen(path):
            // The forms and probes work without a session; /ready says what is wrong.
            return try await next(request, context)
        case .storeUnavailable:
            return RequestAuthorizer.answersInJSON(path)
                ? JSONResponse.error(.serviceUnavailable, "store unavailable")
                : .text("The chat's store is unavailable; try again shortly.\n", status: .serviceUnavailable)
        }
    }
}
