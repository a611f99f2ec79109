/// The machine-readable reason of an `error` event, beside its human text. Clients act on the code; the
/// text may change between versions, the codes do not (README lists them).
public enum ErrorCode: String, Sendable, CaseIterable {
    /// The message is longer than `MAX_MESSAGE_BYTES`.
    case tooLong = "too_long"
    /// The message is empty or only white space.
    case empty
    /// A binary frame: the chat speaks text.
    case binaryFrame = "binary_frame"
    /// Over the rate limit: slow down and send it again.
    case rateLimited = "rate_limited"
    /// The server's queue is full: send it again shortly.
    case serverBusy = "server_busy"
    /// The server is stopping: send it again after reconnecting.
    case shuttingDown = "shutting_down"
    /// The store failed to keep it: send it again.
    case notStored = "not_stored"
    /// `?since=` names no stored message: nothing was replayed.
    case unknownSince = "unknown_since"
    /// A code this client does not know (a newer server).
    case unknown

    /// Sending the same message again later may succeed; the others will fail the same way.
    public var isTemporary: Bool {
        switch self {
        case .rateLimited, .serverBusy, .shuttingDown, .notStored: true
        case .tooLong, .empty, .binaryFrame, .unknownSince, .unknown: false
        }
    }
}
