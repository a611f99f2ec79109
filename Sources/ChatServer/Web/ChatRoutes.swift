import ChatModel
import ChatStorage
import Foundation
import Hummingbird

/// The chat page, history paging, static assets, health, readiness and metrics.
struct ChatRoutes {
    let server: ServerContext
    static let maxPageSize = 200

    func register(on router: Router<ChatRequestContext>) {
        router.get("/") { _, context in try await self.chatPage(context) }
        router.get("/api/messages") { request, _ in try await self.messagesAPI(request) }
        router.get("/static/{file}") { request, context in self.asset(request, context) }
        router.get("/health") { _, _ in Response.text("ok\n") }
        // Browsers ask for it on every page; there is none, and saying so is cheaper than a 404 page.
        router.get("/favicon.ico") { _, _ in Response(status: .noContent, headers: [.cacheControl: "public, max-age=86400"]) }
        router.get("/ready") { _, context in await self.ready(context) }
        router.get("/metrics") { _, _ in self.metrics() }
    }

    private func chatPage(_ context: ChatRequestContext) async throws -> Response {
        guard let user = context.user else { return .redirect(to: "/login", type: .found) }
        let pageSize = server.config.historyPageSize
        var newestFirst = try await server.store.messages(before: nil, limit: pageSize + 1)
        let hasOlder = newestFirst.count > pageSize
        if hasOlder { newestFirst.removeLast() }
        let html = server.pages.render("chat", [
            "title": "Chat", "user": ["login": user.login], "messageList": MessageListHTML.render(newestFirst.reversed()),
            "lastID": newestFirst.first?.id.hex ?? "", "firstID": newestFirst.last?.id.hex ?? "",
            "hasOlder": hasOlder, "maxBytes": server.config.maxMessageBytes,
        ])
        return .html(html)
    }

    private func messagesAPI(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var cursor: ObjectId?
        if let before = query["before"], !before.isEmpty {
            guard let id = ObjectId(hex: before) else {
                return JSONResponse.error(.badRequest, "before must be a message id (24 hex digits)")
            }
            cursor = id
        }
        var limit = 50
        if let text = query["limit"] {
            guard let value = Int(text), value >= 1 else {
                return JSONResponse.error(.badRequest, "limit must be a whole number from 1 to \(Self.maxPageSize)")
            }
            limit = min(value, Self.maxPageSize)
        }
        var page: [ChatMessage]
        do {
            page = try await server.store.messages(before: cursor, limit: limit + 1)
        } catch StoreError.unknownCursor {
            return JSONResponse.error(.notFound, "no message with that id")
        }
        let hasMore = page.count > limit
        if hasMore { page.removeLast() }
        return JSONResponse.ok(MessagePage(messages: page, hasMore: hasMore).json)
    }

    private func asset(_ request: Request, _ context: ChatRequestContext) -> Response {
        guard let name = context.parameters.get("file"), let asset = server.assets.assets[name] else {
            return .text("Not found\n", status: .notFound)
        }
        if Self.matches(ifNoneMatch: request.headers[values: .ifNoneMatch], etag: asset.etag) {
            return Response(status: .notModified, headers: [.eTag: asset.etag, .cacheControl: "public, max-age=3600"])
        }
        return Response(
            status: .ok,
            headers: [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    /// RFC 9110 §13.1.2: a list of tags or `*`, compared weakly (a `W/` tag matches its strong twin).
    static func matches(ifNoneMatch fields: [String], etag: String) -> Bool {
        let ours = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        for field in fields {
            for candidate in field.split(separator: ",") {
                var tag = candidate.trimmingCharacters(in: .whitespaces)
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag.removeFirst(2) }
                if tag == ours { return true }
            }
        }
        return false
    }

    private func ready(_ context: ChatRequestContext) async -> Response {
        if server.shutdown.isDraining { return .text("shutting down\n", status: .serviceUnavailable) }
        do {
            try await server.store.ping()
            return .text("ready\n")
        } catch {
            context.logger.warning("not ready", metadata: ["error": "\(error)"])
            return .text("store unreachable\n", status: .serviceUnavailable)
        }
    }

    private func metrics() -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: server.metrics.prometheusText())))
    }
}
