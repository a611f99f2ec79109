import HTTPTypes
import Hummingbird

/// `SecurityHeaders` on every routed response, errors (a 404 for an unknown path) included.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext

    private static let fields: [(HTTPField.Name, String)] = SecurityHeaders.all.compactMap { name, value in
        HTTPField.Name(name).map { ($0, value) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        for (name, value) in Self.fields { response.headers[name] = value }
        return response
    }
}
