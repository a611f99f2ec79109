import ChatModel
import Foundation
import NIOConcurrencyHelpers
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// A terminal client's connection to the chat: logs in the way a browser does (POST /login, then the
/// session cookie on the WebSocket upgrade), follows the live feed, and after a drop reconnects with
/// backoff and `?since=<last id>`, so nothing is missed and nothing is shown twice.
public final class ChatConnection: Sendable {
    public let options: ChatConnectionOptions
    private let outbox = Outbox()
    private let stopped = Latch()
    private let state = Mutex(Progress())

    private struct Progress {
        var lastID: String?
        var seen = SeenIDs()
        var connectedOnce = false
        var cookie: String?
        /// WebSocket connections opened so far.
        var opens = 0
    }

    public init(options: ChatConnectionOptions) {
        self.options = options
        state.withLock { $0.lastID = options.since }
    }

    /// Queues a chat message for the current (or next) connection.
    public func send(_ text: String) { outbox.push(text) }

    /// Ends `run()`: the WebSocket is closed cleanly (close frame, then the server's close).
    public func stop() { stopped.fire() }

    public var isStopped: Bool { stopped.isFired }

    /// The id of the newest message shown so far.
    public var lastMessageID: String? { state.withLock { $0.lastID } }

    /// Why a message cannot be sent as it is, or nil when it can. The server's length limit is not known
    /// here; it answers `too_long` itself.
    public static func problem(sending text: String) -> String? {
        if let (_, message) = MessageRules(maxBytes: .max).problem(text) { return message }
        if text == MessageRules.closeCommand {
            return "the bare word \"close\" is reserved by the chat protocol; add something to it"
        }
        return nil
    }

    /// Runs until `stop()` (returns) or a failure that retrying cannot fix (throws a `ChatClientError`).
    /// Before the first connection every failure is final: a wrong URL or password is reported at once.
    public func run(_ update: @escaping @Sendable (ConnectionUpdate) -> Void) async throws {
        var failures = 0
        while !stopped.isFired {
            let reason: String
            let opensBefore = state.withLock { $0.opens }
            do {
                let ended = try await connectOnce(update)
                switch ended {
                case .stopped: return
                case .dropped(let why): reason = why
                }
            } catch let error as ChatClientError {
                let connectedOnce = state.withLock { $0.connectedOnce }
                guard connectedOnce, error.isTransient, options.reconnect else { throw error }
                reason = error.reason
            }
            // Never connected: a server that closes at once is a final error, as a refused log-in is.
            guard options.reconnect, state.withLock({ $0.connectedOnce }) else {
                throw ChatClientError.connectionLost(url: options.endpoint.description, detail: reason)
            }
            if stopped.isFired { return }
            if state.withLock({ $0.opens }) > opensBefore { failures = 0 }
            failures += 1
            let delay = options.backoff.delay(attempt: failures)
            update(.disconnected(reason: reason, retryIn: delay))
            if await stopped.wait(upTo: delay) { return }
        }
    }

    private enum Ending: Sendable {
        case stopped
        case dropped(String)
    }

    // MARK: - one connection

    private func connectOnce(_ update: @escaping @Sendable (ConnectionUpdate) -> Void) async throws -> Ending {
        var cookie = state.withLock { $0.cookie }
        var fresh = false
        if cookie == nil {
            cookie = try await logIn()
            fresh = true
            state.withLock { $0.cookie = cookie }
        }
        do {
            try await catchUp(cookie: cookie!, update)
        } catch ChatClientError.refused where !fresh {
            // The session expired or the server's key changed: log in again once.
            cookie = try await logIn()
            fresh = true
            state.withLock { $0.cookie = cookie }
            try await catchUp(cookie: cookie!, update)
        }
        do {
            return try await openWebSocket(cookie: cookie!, update)
        } catch ChatClientError.refused where !fresh {
            cookie = try await logIn()
            state.withLock { $0.cookie = cookie }
            return try await openWebSocket(cookie: cookie!, update)
        }
    }

    /// POST /login as the browser form does; the session cookie on success.
    func logIn() async throws -> String {
        let url = options.endpoint.description
        let body = "login=\(Self.formEncode(options.login))&password=\(Self.formEncode(options.password))"
        let response = try await MiniHTTPClient.request(
            .POST, options.endpoint, path: "/login",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8), timeout: options.timeout)
        switch response.status {
        case 302, 303:
            guard let cookie = response.cookie(SessionCookie.name) else {
                throw ChatClientError.notAChatServer(url: url, detail: "POST /login set no \(SessionCookie.name) cookie")
            }
            return cookie
        case 400, 401:
            throw ChatClientError.wrongCredentials(login: options.login, url: url)
        case 500...599:
            throw ChatClientError.unreachable(url: url, reason: "POST /login answered \(response.status) \(response.reason)")
        default:
            throw ChatClientError.notAChatServer(url: url, detail: "POST /login answered \(response.status) \(response.reason)")
        }
    }

    /// Before the first connect: the last `history` messages, and the newest id as the replay point.
    /// After a drop with nothing seen yet (the store was empty): everything stored meanwhile.
    private func catchUp(cookie: String, _ update: @Sendable (ConnectionUpdate) -> Void) async throws {
        let (connectedOnce, lastID) = state.withLock { ($0.connectedOnce, $0.lastID) }
        var wanted: Int
        if !connectedOnce {
            guard options.history > 0 || lastID == nil else { return }
            wanted = max(options.history, 1)
        } else {
            guard lastID == nil else { return }
            wanted = 1000
        }
        var newestFirst: [ChatMessage] = []
        var before: String?
        while wanted > 0 {
            let limit = min(wanted, 200)
            var path = "/api/messages?limit=\(limit)"
            if let before { path += "&before=\(before)" }
            let response = try await MiniHTTPClient.request(
                .GET, options.endpoint, path: path, headers: [("Cookie", "\(SessionCookie.name)=\(cookie)")],
                timeout: options.timeout)
            let url = options.endpoint.description
            switch response.status {
            case 200: break
            case 401, 403: throw ChatClientError.refused(url: url, detail: "GET /api/messages answered \(response.status)")
            case 500...599: throw ChatClientError.unreachable(url: url, reason: "GET /api/messages answered \(response.status) \(response.reason)")
            default: throw ChatClientError.notAChatServer(url: url, detail: "GET /api/messages answered \(response.status) \(response.reason)")
            }
            guard let page = MessagePage(json: response.body) else {
                throw ChatClientError.notAChatServer(url: url, detail: "GET /api/messages is not the chat's JSON")
            }
            newestFirst += page.messages
            wanted -= page.messages.count
            guard page.messages.count == limit, let oldest = page.messages.last?.id else { break }
            before = oldest.hex
        }
        let show = connectedOnce || options.history > 0
        let fresh = state.withLock { state -> [ChatMessage] in
            var fresh: [ChatMessage] = []
            for message in newestFirst.reversed() {
                if show, state.seen.insert(message.id.hex) { fresh.append(message) }
            }
            if state.lastID == nil, let newest = newestFirst.first?.id.hex {
                state.lastID = newest
                _ = state.seen.insert(newest)
            }
            return fresh
        }
        for message in fresh {
            let event = ChatEvent.message(message)
            update(.event(event, json: event.json))
        }
    }

    private func openWebSocket(cookie: String, _ update: @escaping @Sendable (ConnectionUpdate) -> Void) async throws -> Ending {
        let endpoint = options.endpoint
        let url = endpoint.webSocketURL(since: state.withLock { $0.lastID })
        var headers = HTTPFields()
        headers[.cookie] = "\(SessionCookie.name)=\(cookie)"
        headers[.userAgent] = "chatctl/\(ChatctlVersion.current)"
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: 1 << 20, additionalHeaders: headers, closeTimeout: .seconds(5), autoPing: .enabled(timePeriod: options.keepalive))
        var logger = Logger(label: "chatctl.client")
        logger.logLevel = .critical
        // Resolved by the first frame (true), by the connection ending before one (false), or by the watchdog.
        let gate = FirstResult<Bool>()
        let opened = NIOLockedValueBox(false)
        let outbox = self.outbox
        let stopped = self.stopped
        let reconnected = state.withLock { $0.connectedOnce }
        let tls = endpoint.tls ? ClientTLS.configuration() : nil

        let task = Task { () async throws -> Ending in
            let endedBy = NIOLockedValueBox<Ending?>(nil)
            let close = try await WebSocketClient.connect(
                url: url, configuration: configuration, tlsConfiguration: tls, logger: logger
            ) { inbound, outbound, _ in
                let ending = try await withThrowingTaskGroup(of: Ending?.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message, let event = ChatEvent(json: text) else { continue }
                            if opened.withLockedValue({ opened in defer { opened = true }; return !opened }) {
                                self.state.withLock {
                                    $0.connectedOnce = true
                                    $0.opens += 1
                                }
                                gate.resolve(.success(true))
                                update(.connected(reconnected: reconnected))
                            }
                            if case .message(let message) = event {
                                let id = message.id.hex
                                let new = self.state.withLock { state -> Bool in
                                    guard state.seen.insert(id) else { return false }
                                    state.lastID = id
                                    return true
                                }
                                if !new { continue }
                            }
                            update(.event(event, json: text))
                        }
                        return .dropped("the server closed the connection")
                    }
                    group.addTask {
                        while let text = await outbox.next() {
                            do {
                                try await outbound.write(.text(text))
                            } catch {
                                outbox.pushFront(text)
                                throw error
                            }
                        }
                        return nil
                    }
                    group.addTask {
                        await stopped.wait()
                        return Task.isCancelled ? nil : .stopped
                    }
                    defer { group.cancelAll() }
                    while let result = try await group.next() {
                        if let result { return result }
                    }
                    return Ending.dropped("the connection ended")
                }
                endedBy.withLockedValue { $0 = ending }
            }
            switch endedBy.withLockedValue({ $0 }) {
            case .stopped: return .stopped
            case .dropped(let why):
                return .dropped(close.map(Self.describe(close:)) ?? why)
            case nil:
                return .dropped(close.map(Self.describe(close:)) ?? "the connection ended")
            }
        }
        let ended = Task {
            _ = await task.result
            gate.resolve(.success(false))
        }
        // A server that accepts the connection but never completes the handshake must not hang us.
        let timeout = options.timeout
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            gate.resolve(.failure(ChatClientError.timedOut(url: endpoint.description, what: "the WebSocket handshake")))
        }
        defer {
            watchdog.cancel()
            ended.cancel()
        }
        do {
            _ = try await gate.value
        } catch {
            task.cancel()
            throw error
        }
        watchdog.cancel()
        do {
            return try await task.value
        } catch {
            throw Self.classify(error, endpoint: endpoint, opened: opened.withLockedValue { $0 })
        }
    }

    private static func describe(close: WebSocketCloseFrame?) -> String {
        guard let close else { return "the connection closed" }
        let reason = close.reason.map { " \($0)" } ?? ""
        return "the server closed the connection (\(UInt16(webSocketErrorCode: close.closeCode))\(reason))"
    }

    private static func classify(_ error: any Error, endpoint: ChatEndpoint, opened: Bool) -> ChatClientError {
        let url = endpoint.description
        if let error = error as? ChatClientError { return error }
        if let error = error as? WebSocketClientError {
            if error == .webSocketUpgradeFailed {
                return .refused(url: url, detail: "GET /ws was not upgraded")
            }
            return .connectionLost(url: url, detail: "\(error)")
        }
        if opened { return .connectionLost(url: url, detail: MiniHTTPClient.describe(error)) }
        return .unreachable(url: url, reason: MiniHTTPClient.describe(error))
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
