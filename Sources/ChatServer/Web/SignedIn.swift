import ChatModel

/// Who a request comes from: the active session its cookie names, and that session's user.
public struct SignedIn: Sendable, Equatable {
    public var session: SessionRecord
    public var user: UserRecord

    public init(session: SessionRecord, user: UserRecord) {
        self.session = session
        self.user = user
    }
}
