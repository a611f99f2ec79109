import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request, at info: method, path, status, milliseconds. Never a cookie or a form body.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext
    let metrics: ChatMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        metrics.httpRequests.add(1, ordering: .relaxed)
        do {
            let response = try await next(request, context)
            log(request, context, status: response.status.code, since: start)
            return response
        } catch let error as any HTTPResponseError {
            log(request, context, status: error.status.code, since: start)
            throw error
        } catch {
            log(request, context, status: 500, since: start)
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        context.logger.info("\(request.method) \(request.uri.path) \(status) \(String(format: "%.1f", ms))ms")
    }
}

/// Security headers on every response; the CSP forbids inline script, so injected markup cannot run.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.xFrameOptions] = "DENY"
        return response
    }
}

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

/// The original's `authorize` middleware: everything but the open paths needs a session.
struct AuthorizeMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext
    let server: ChatServer

    static func isOpen(_ path: String) -> Bool {
        ["/login", "/signin", "/signout", "/health", "/ready", "/metrics", "/favicon.ico"].contains(path) || path.hasPrefix("/static/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.user = try? await server.user(fromCookie: request.cookies[SessionCodec.cookieName]?.value)
        if context.user == nil && !Self.isOpen(request.uri.path) {
            if request.uri.path.hasPrefix("/api/") || request.uri.path == "/ws" {
                return JSONResponse.error(.unauthorized, "log in first")
            }
            return .redirect(to: "/login", type: .found)
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

enum JSONResponse {
    static func ok(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        ok(#"{"error":"# + JSONText.quoted(message) + "}", status: status)
    }
}

extension Response {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
