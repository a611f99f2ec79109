/// What a chat message must be, checked by the server before it is stored and by the clients before they
/// send, so both refuse the same texts with the same codes.
public struct MessageRules: Sendable, Equatable {
    /// The original protocol reads this bare text as "close the socket", never as a message.
    public static let closeCommand = "close"
    public static let defaultMaxBytes = 4096

    public var maxBytes: Int

    public init(maxBytes: Int = MessageRules.defaultMaxBytes) {
        self.maxBytes = maxBytes
    }

    /// Why `text` cannot be a message, or nil when it can. (`close` is not checked here: for the server it
    /// is a command, for clients a text they must not send; see `closeCommand`.)
    public func problem(_ text: String) -> (code: ErrorCode, message: String)? {
        if text.utf8.count > maxBytes { return (.tooLong, "too long: at most \(maxBytes) bytes") }
        if text.allSatisfy(\.isWhitespace) { return (.empty, "empty message") }
        return nil
    }
}
