import Foundation

/// An opaque place in a message feed (MongoDB: a change-stream resume token, as BSON bytes).
public struct FeedPosition: Sendable, Hashable {
    public let token: [UInt8]

    public init(token: [UInt8]) { self.token = token }
}
