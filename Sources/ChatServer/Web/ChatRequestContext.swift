import ChatModel
import Hummingbird

/// Per-request context: the logged-in user, once the authorize middleware has found one.
public struct ChatRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: UserRecord?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
    }

    /// Forms are small; nothing legitimate posts more.
    public var maxUploadSize: Int { 16 * 1024 }
}
