import Foundation

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

    public var hasLegacyPlainTextPassword: Bool { !Self.isBcryptHash(password) }

    /// The shape of a bcrypt hash (`$2a$`, `$2b$` or `$2y$`, 60 characters): anything else the original
    /// app stored is a plain-text password.
    public static func isBcryptHash(_ stored: String) -> Bool {
        stored.utf8.count == 60 && (stored.hasPrefix("$2a$") || stored.hasPrefix("$2b$") || stored.hasPrefix("$2y$"))
    }
}
