import ChatModel
import Hummingbird

/// Per-request context: the logged-in user, once the authorize middleware has found one, and the client's
/// address for the per-address limits.
public struct ChatRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: UserRecord?
    /// The peer's IP address ("unknown" for a Unix socket or a closed channel).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Forms are small; nothing legitimate posts more.
    public var maxUploadSize: Int { 16 * 1024 }
}
