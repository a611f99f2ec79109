import Synchronization

/// Counters for `/metrics` (Prometheus text format). Atomics: they are bumped on every event loop.
public final class ChatMetrics: Sendable {
    public let connections = Atomic<Int>(0)
    public let connectionsTotal = Atomic<Int>(0)
    public let messagesStored = Atomic<Int>(0)
    public let messagesRejected = Atomic<Int>(0)
    public let storeFailures = Atomic<Int>(0)
    public let deliveries = Atomic<Int>(0)
    public let slowDisconnects = Atomic<Int>(0)
    public let httpRequests = Atomic<Int>(0)
    public let commitBatches = Atomic<Int>(0)
    public let feedMessages = Atomic<Int>(0)
    public let feedSkippedOld = Atomic<Int>(0)
    public let feedFailures = Atomic<Int>(0)
    public let sessionCloses = Atomic<Int>(0)
    public let sessionPollFailures = Atomic<Int>(0)

    public init() {}

    public func prometheusText() -> String {
        let rows: [(String, String, String, Int)] = [
            ("chat_websocket_connections", "gauge", "Open WebSocket connections.", connections.load(ordering: .relaxed)),
            ("chat_websocket_connections_total", "counter", "WebSocket connections accepted.", connectionsTotal.load(ordering: .relaxed)),
            ("chat_messages_stored_total", "counter", "Chat messages stored.", messagesStored.load(ordering: .relaxed)),
            ("chat_messages_rejected_total", "counter", "Chat messages refused (too long, too fast, empty, busy).", messagesRejected.load(ordering: .relaxed)),
            ("chat_store_failures_total", "counter", "Group commits that failed (MongoDB: in part); messages not stored were not broadcast.", storeFailures.load(ordering: .relaxed)),
            ("chat_store_commits_total", "counter", "Group commits written.", commitBatches.load(ordering: .relaxed)),
            ("chat_deliveries_total", "counter", "Frames delivered to WebSocket clients.", deliveries.load(ordering: .relaxed)),
            ("chat_slow_disconnects_total", "counter", "Clients disconnected for not reading fast enough.", slowDisconnects.load(ordering: .relaxed)),
            ("chat_feed_messages_total", "counter", "Messages broadcast from the store's change stream.", feedMessages.load(ordering: .relaxed)),
            ("chat_feed_skipped_old_total", "counter", "Inserted messages not broadcast because they are not live (imported history).", feedSkippedOld.load(ordering: .relaxed)),
            ("chat_feed_failures_total", "counter", "Change-stream failures (each followed by a backoff and a resume).", feedFailures.load(ordering: .relaxed)),
            ("chat_session_closes_total", "counter", "WebSockets closed (4401) because their session ended or expired.", sessionCloses.load(ordering: .relaxed)),
            ("chat_session_poll_failures_total", "counter", "Looks for ended sessions that failed (each retried at the next poll).", sessionPollFailures.load(ordering: .relaxed)),
            ("chat_http_requests_total", "counter", "HTTP requests served.", httpRequests.load(ordering: .relaxed)),
        ]
        var out = ""
        for (name, type, help, value) in rows {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        return out
    }
}
