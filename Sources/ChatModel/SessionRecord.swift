import Foundation

/// One log-in: created by `POST /login` or `/signin`, named by the session cookie, and valid until it
/// expires (`created + SESSION_TTL`) or is ended (sign-out, `chatctl user logout`, `passwd`, `remove`).
/// Times are kept to the millisecond, as both stores keep them.
public struct SessionRecord: Sendable, Equatable {
    public var id: SessionID
    public var userID: ObjectId
    public var created: Date
    /// When a request last used it, updated at most once per `lastSeenResolution`.
    public var lastSeen: Date
    /// The client's address as the server saw it (no proxy headers are trusted), at most `maxFieldBytes`.
    public var address: String
    /// The `User-Agent` of the log-in request, at most `maxFieldBytes`.
    public var userAgent: String
    public var expires: Date
    /// When it was ended; nil while it has not been.
    public var ended: Date?

    /// Address and user agent are cut to this many bytes (at a character boundary).
    public static let maxFieldBytes = 256
    /// A session's `lastSeen` is written at most this often.
    public static let lastSeenResolution: TimeInterval = 60

    public init(id: SessionID, userID: ObjectId, created: Date, lastSeen: Date, address: String, userAgent: String,
                expires: Date, ended: Date? = nil) {
        self.id = id
        self.userID = userID
        self.created = created
        self.lastSeen = lastSeen
        self.address = Self.bounded(address)
        self.userAgent = Self.bounded(userAgent)
        self.expires = expires
        self.ended = ended
    }

    /// A new session starting `now` (truncated to the millisecond) and lasting `lifetime`.
    public static func start(userID: ObjectId, address: String, userAgent: String, lifetime: Duration,
                             now: Date = Date(), id: SessionID = .random()) -> SessionRecord {
        let created = Date(millisecondsSince1970: now.millisecondsSince1970)
        let expires = Date(millisecondsSince1970: created.millisecondsSince1970 + lifetime.wholeMilliseconds)
        return SessionRecord(id: id, userID: userID, created: created, lastSeen: created, address: address,
                             userAgent: userAgent, expires: expires)
    }

    public enum State: String, Sendable {
        case active, ended, expired
    }

    public func state(at now: Date = Date()) -> State {
        if ended != nil { return .ended }
        return now < expires ? .active : .expired
    }

    public func isActive(at now: Date = Date()) -> Bool { state(at: now) == .active }

    /// `text` cut to at most `maxFieldBytes` of UTF-8, never inside a character.
    public static func bounded(_ text: String) -> String {
        guard text.utf8.count > maxFieldBytes else { return text }
        var result = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            guard bytes + size <= maxFieldBytes else { break }
            result.append(character)
            bytes += size
        }
        return result
    }
}

extension Duration {
    /// Whole milliseconds, clamped to what a date in milliseconds holds.
    public var wholeMilliseconds: Int64 {
        let (seconds, overflow) = components.seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return components.seconds < 0 ? Int64.min / 2 : Int64.max / 2 }
        return seconds + components.attoseconds / 1_000_000_000_000_000
    }
}
