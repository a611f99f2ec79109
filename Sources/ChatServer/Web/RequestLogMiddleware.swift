import ChatModel
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
        context.logger.info("\(request.method) \(LogValue.escaped(request.uri.path)) \(status) \(String(format: "%.1f", ms))ms")
    }
}
