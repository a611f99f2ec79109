import ChatAuth
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Cross-site request forgery: state-changing requests a browser marks cross-site get 403.
struct CrossOriginMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext
    let policy: OriginPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let verdict = policy.check(
            method: request.method.rawValue,
            secFetchSite: request.headers[.secFetchSite],
            origin: request.headers[.origin],
            host: request.head.authority)
        if case .crossOrigin(let why) = verdict {
            context.logger.notice("cross-origin request refused", metadata: ["why": "\(why)"])
            return Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "Forbidden: cross-origin request\n")))
        }
        return try await next(request, context)
    }
}
