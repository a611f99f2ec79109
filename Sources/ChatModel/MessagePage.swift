/// A page of `GET /api/messages`: `{"messages":[…],"hasMore":bool}`, newest first.
public struct MessagePage: Sendable, Equatable {
    public var messages: [ChatMessage]
    /// Older messages exist before the last one.
    public var hasMore: Bool

    public init(messages: [ChatMessage], hasMore: Bool) {
        self.messages = messages
        self.hasMore = hasMore
    }

    public var json: String {
        var json = #"{"messages":["#
        for (index, message) in messages.enumerated() {
            if index > 0 { json += "," }
            json += ChatEvent.message(message).json
        }
        json += #"],"hasMore":\#(hasMore)}"#
        return json
    }

    /// nil when `body` is not such a page.
    public init?(json body: some Collection<UInt8>) {
        guard let value = try? JSONParser.parse(body), case .array(let items)? = value["messages"] else { return nil }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(items.count)
        for item in items {
            guard let message = ChatMessage(item) else { return nil }
            messages.append(message)
        }
        var hasMore = false
        if case .bool(let flag)? = value["hasMore"] { hasMore = flag }
        self.init(messages: messages, hasMore: hasMore)
    }
}
