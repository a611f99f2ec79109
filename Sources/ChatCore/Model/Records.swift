import Foundation

/// One stored chat message, as the original app's `messages` collection holds it.
public struct ChatMessage: Sendable, Equatable, Hashable {
    public var id: ObjectId
    public var user: String
    public var text: String
    /// Millisecond precision: what a BSON date keeps.
    public var time: Date

    public init(id: ObjectId, user: String, text: String, time: Date) {
        self.id = id
        self.user = user
        self.text = text
        self.time = Date(millisecondsSince1970: time.millisecondsSince1970)
    }
}

public struct UserRecord: Sendable, Equatable {
    public var id: ObjectId
    public var login: String
    public var email: String
    /// A bcrypt hash, or the original app's plain-text password until its owner next logs in.
    public var password: String
    public var created: Date?

    public init(id: ObjectId, login: String, email: String, password: String, created: Date?) {
        self.id = id
        self.login = login
        self.email = email
        self.password = password
        self.created = created
    }

    public var hasLegacyPlainTextPassword: Bool { !PasswordHasher.isHash(password) }
}

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

public enum ImportMode: String, Sendable, CaseIterable {
    /// Keep existing documents; a document whose `_id` exists is skipped.
    case insert
    /// Replace existing documents by `_id`.
    case upsert
}

public struct ImportOutcome: Sendable, Equatable {
    public var inserted = 0
    public var duplicates = 0
    public var replaced = 0

    public init(inserted: Int = 0, duplicates: Int = 0, replaced: Int = 0) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.replaced = replaced
    }
}

extension Date {
    public init(millisecondsSince1970 ms: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(ms) / 1000)
    }

    /// Clamped to what a BSON date holds, so a hostile date cannot trap the conversion.
    public var millisecondsSince1970: Int64 {
        let ms = (timeIntervalSince1970 * 1000).rounded()
        guard ms.isFinite else { return 0 }
        return Int64(exactly: ms) ?? (ms < 0 ? Int64.min / 2 : Int64.max / 2)
    }
}
