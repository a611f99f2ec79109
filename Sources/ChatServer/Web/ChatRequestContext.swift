import ChatModel
import Hummingbird
import NIOCore

/// Per-request context: the logged-in user and their session, once the authorize middleware has found them,
/// and the client's address (the TCP peer: no forwarding header is trusted).
public struct ChatRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: UserRecord?
    public var session: SessionRecord?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
        session = nil
        remoteAddress = source.channel.remoteAddress
    }

    /// Forms are small; nothing legitimate posts more.
    public var maxUploadSize: Int { 16 * 1024 }
}
