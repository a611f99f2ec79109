import ChatAuth
import ChatModel
import ChatStorage
import Foundation

/// `chatctl user …`: the same validation and bcrypt cost as the web sign-up, through any `ChatStore`.
public struct UserAdmin: Sendable {
    public let store: any ChatStore
    public let hasher: PasswordHasher
    private static let ids = ObjectIdGenerator()

    public init(store: any ChatStore, bcryptCost: Int) {
        self.store = store
        self.hasher = PasswordHasher(cost: bcryptCost)
    }

    /// Checks what can be checked before asking for a password, so nobody types one for nothing.
    public func precheckAdd(login: String, email: String) async throws {
        do { try Credentials.validateLogin(login) } catch { throw FixableError("invalid login '\(login.prefix(64))': \(error)", fix: "choose another login") }
        do { try Credentials.validateEmail(email) } catch { throw FixableError("invalid email '\(email.prefix(254))': \(error)", fix: "give a valid --email") }
        if try await store.user(login: login) != nil {
            throw FixableError("login '\(login)' is taken", fix: "choose another login, or `chatctl user passwd \(login)` to reset its password")
        }
    }

    @discardableResult
    public func add(login: String, email: String, password: String, now: Date = Date()) async throws -> UserRecord {
        try await precheckAdd(login: login, email: email)
        try Self.validatePassword(password)
        let hash = try await hasher.hash(password)
        let record = UserRecord(id: Self.ids.next(at: now), login: login, email: email, password: hash, created: now)
        do {
            try await store.createUser(record)
        } catch StoreError.loginTaken(let taken) {
            throw FixableError("login '\(taken)' is taken", fix: "choose another login")
        } catch StoreError.emailTaken(let taken) {
            throw FixableError("email '\(taken)' is already registered", fix: "use another --email")
        }
        return record
    }

    public func list() async throws -> [UserRecord] {
        try await store.allUsers()
    }

    /// The user, or an error saying there is none.
    public func existing(_ login: String) async throws -> UserRecord {
        guard let user = try await store.user(login: login) else {
            throw FixableError("no user '\(login.prefix(64))'", fix: "check the login with `chatctl user list`")
        }
        return user
    }

    /// Sets the password and ends every session of the account (who knew the old one is logged out);
    /// returns how many sessions were ended.
    @discardableResult
    public func setPassword(login: String, password: String, now: Date = Date()) async throws -> Int {
        let user = try await existing(login)
        try Self.validatePassword(password)
        let hash = try await hasher.hash(password)
        guard try await store.setPassword(userID: user.id, password: hash) else {
            throw FixableError("user '\(login)' was removed meanwhile", fix: "add it again with `chatctl user add`")
        }
        return try await store.endSessions(userID: user.id, at: now)
    }

    /// Ends the account's sessions (their WebSockets close), then removes it; its messages stay in history.
    /// Returns how many sessions were ended.
    @discardableResult
    public func remove(login: String, now: Date = Date()) async throws -> Int {
        let user = try await existing(login)
        let ended = try await store.endSessions(userID: user.id, at: now)
        guard try await store.removeUser(login: login) else {
            throw FixableError("no user '\(login.prefix(64))'", fix: "check the login with `chatctl user list`")
        }
        return ended
    }

    // MARK: sessions

    /// The account's sessions, whatever their state, newest first.
    public func sessions(login: String) async throws -> (UserRecord, [SessionRecord]) {
        let user = try await existing(login)
        return (user, try await store.sessions(userID: user.id))
    }

    /// Ends one session of the account (`session`, 32 hex digits) or all its active ones; returns how many ended
    /// (0 when the one named had ended or expired already). Every server closes their WebSockets within a second.
    public func logout(login: String, session: String? = nil, now: Date = Date()) async throws -> Int {
        let user = try await existing(login)
        guard let session else { return try await store.endSessions(userID: user.id, at: now) }
        guard let id = SessionID(hex: session) else {
            throw FixableError("'\(session.prefix(64))' is not a session id (32 hex digits)",
                               fix: "copy the ID from `chatctl user sessions \(user.login)`")
        }
        guard let record = try await store.session(id: id), record.userID == user.id else {
            throw FixableError("\(user.login) has no session \(id.hex)", fix: "list them with `chatctl user sessions \(user.login)`")
        }
        guard record.isActive(at: now) else { return 0 }
        return try await store.endSession(id: id, at: now) ? 1 : 0
    }

    public static func validatePassword(_ password: String) throws {
        do { try Credentials.validatePassword(password) } catch { throw FixableError("password refused: \(error)", fix: "choose another password") }
    }

    // MARK: output

    /// `[{"id":…,"login":…,"email":…,"created":"…"|null}]`, keys in that order, one user per line.
    public static func json(_ users: [UserRecord]) -> String {
        guard !users.isEmpty else { return "[]" }
        let lines = users.map { user in
            let created = user.created.map { ExtendedJSON.quoted(ExtendedJSON.isoDate(milliseconds: $0.millisecondsSince1970)) } ?? "null"
            return "{\"id\":\"\(user.id.hex)\",\"login\":\(ExtendedJSON.quoted(user.login)),\"email\":\(ExtendedJSON.quoted(user.email)),\"created\":\(created)}"
        }
        return "[\n" + lines.map { "  " + $0 }.joined(separator: ",\n") + "\n]"
    }

    /// `[{"id":…,"state":"active"|"ended"|"expired","created":…,"lastSeen":…,"expires":…,"ended":…|null,"address":…,"userAgent":…}]`,
    /// keys in that order, one session per line.
    public static func json(_ sessions: [SessionRecord], now: Date = Date()) -> String {
        guard !sessions.isEmpty else { return "[]" }
        func date(_ date: Date) -> String { ExtendedJSON.quoted(ExtendedJSON.isoDate(milliseconds: date.millisecondsSince1970)) }
        let lines = sessions.map { session in
            "{\"id\":\"\(session.id.hex)\",\"state\":\"\(session.state(at: now).rawValue)\",\"created\":\(date(session.created)),"
                + "\"lastSeen\":\(date(session.lastSeen)),\"expires\":\(date(session.expires)),\"ended\":\(session.ended.map(date) ?? "null"),"
                + "\"address\":\(ExtendedJSON.quoted(session.address)),\"userAgent\":\(ExtendedJSON.quoted(session.userAgent))}"
        }
        return "[\n" + lines.map { "  " + $0 }.joined(separator: ",\n") + "\n]"
    }

    /// One row per session; times to the second, UTC. Control characters in the user agent are shown as `?`.
    public static func table(_ sessions: [SessionRecord], now: Date = Date()) -> String {
        func date(_ date: Date) -> String { ExtendedJSON.isoDate(milliseconds: date.millisecondsSince1970 / 1000 * 1000) }
        func printable(_ text: String) -> String {
            text.isEmpty ? "-" : String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        }
        var rows = [["ID", "STATE", "CREATED", "LAST SEEN", "ADDRESS", "USER AGENT"]]
        for session in sessions {
            var state = session.state(at: now).rawValue
            if let ended = session.ended { state += " " + date(ended) }
            rows.append([session.id.hex, state, date(session.created), date(session.lastSeen), printable(session.address),
                         printable(session.userAgent)])
        }
        return TextTable.render(rows)
    }

    public static func table(_ users: [UserRecord]) -> String {
        var rows = [["LOGIN", "EMAIL", "CREATED", "ID"]]
        for user in users {
            var created = user.created.map { ExtendedJSON.isoDate(milliseconds: $0.millisecondsSince1970 / 1000 * 1000) } ?? "-"
            if user.hasLegacyPlainTextPassword { created += " (plain-text password)" }
            rows.append([user.login, user.email, created, user.id.hex])
        }
        return TextTable.render(rows)
    }
}
