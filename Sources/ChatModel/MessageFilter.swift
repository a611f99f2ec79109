import Foundation

/// Which messages an export (or count) covers; nil fields don't filter.
public struct MessageFilter: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    public var user: String?

    public init(since: Date? = nil, until: Date? = nil, user: String? = nil) {
        self.since = since
        self.until = until
        self.user = user
    }
}
