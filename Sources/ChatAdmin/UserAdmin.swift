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

    public func setPassword(login: String, password: String) async throws {
        let user = try await existing(login)
        try Self.validatePassword(password)
        let hash = try await hasher.hash(password)
        guard try await store.setPassword(userID: user.id, password: hash) else {
            throw FixableError("user '\(login)' was removed meanwhile", fix: "add it again with `chatctl user add`")
        }
    }

    /// Removes the account; its messages stay in history.
    public func remove(login: String) async throws {
        guard try await store.removeUser(login: login) else {
            throw FixableError("no user '\(login.prefix(64))'", fix: "check the login with `chatctl user list`")
        }
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
