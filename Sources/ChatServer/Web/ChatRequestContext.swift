import ChatModel
import Hummingbird
import NIOCore

/// Per-request context: the logged-in user and their session, once the authorize middleware has found them,
/// and the client's address (the TCP peer: no forwarding header is trusted) for the per-address limits.
public struct ChatRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: UserRecord?
    public var session: SessionRecord?
    public let remoteAddress: SocketAddress?
    /// The peer's IP address ("unknown" for a Unix socket or a closed channel).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
        session = nil
        remoteAddress = source.channel.remoteAddress
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Forms are small; nothing legitimate posts more.
    public var maxUploadSize: Int { 16 * 1024 }
}
