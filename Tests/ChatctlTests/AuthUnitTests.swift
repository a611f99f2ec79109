@testable import ChatAuth
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
import Foundation
import Testing

@Suite("Credentials, sessions, origins")
struct AuthUnitTests {
    @Test(arguments: ["a", "alice", "Alice_1.x-y", String(repeating: "z", count: 32)])
    func validLogins(_ login: String) throws { try Credentials.validateLogin(login) }

    @Test(arguments: ["", " alice", "al ice", "ålice", "a/b", "<b>", String(repeating: "z", count: 33), "a\u{0}b"])
    func invalidLogins(_ login: String) {
        #expect(throws: Credentials.Problem.login) { try Credentials.validateLogin(login) }
    }

    @Test(arguments: ["a@b.co", "first.last+tag@sub.example.org"])
    func validEmails(_ email: String) throws { try Credentials.validateEmail(email) }

    @Test(arguments: ["", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com", ".a@b.com", "a@1.2.3.4",
                      "a@b.com\n", String(repeating: "a", count: 65) + "@b.com"])
    func invalidEmails(_ email: String) {
        #expect(throws: Credentials.Problem.email) { try Credentials.validateEmail(email) }
    }

    @Test func passwords() throws {
        try Credentials.validatePassword("12345678")
        try Credentials.validatePassword(String(repeating: "p", count: 72))
        #expect(throws: Credentials.Problem.passwordTooShort) { try Credentials.validatePassword("1234567") }
        #expect(throws: Credentials.Problem.passwordTooLong) { try Credentials.validatePassword(String(repeating: "é", count: 37)) }
    }

    @Test func bcryptAndLegacyPasswords() async throws {
        let hasher = PasswordHasher(cost: 4)
        let hash = try await hasher.hash("secret pass")
        #expect(UserRecord.isBcryptHash(hash))
        #expect(try await hasher.verify("secret pass", against: hash))
        #expect(!(try await hasher.verify("secret pasS", against: hash)))
        #expect(try await hasher.verify("plain", against: "plain"))
        #expect(!(try await hasher.verify("plain", against: "plain2")))
        #expect(!(try await hasher.verify("", against: "x")))
    }

    @Test func sessionCookiesRoundTripAndExpire() throws {
        let codec = SessionCodec(secret: .random(), lifetime: .seconds(3600))
        let id = ObjectIdGenerator().next()
        let sessionID = SessionID.random()
        let now = Date(millisecondsSince1970: Date().millisecondsSince1970)
        let session = SessionCodec.Session(sessionID: sessionID, userID: id, issued: now)
        let cookie = try codec.encode(session)
        #expect(codec.decode(cookie, now: now) == session)
        #expect(codec.decode(cookie, now: now.addingTimeInterval(3599))?.sessionID == sessionID)
        #expect(codec.decode(cookie, now: now.addingTimeInterval(3601)) == nil)
        #expect(codec.decode(cookie, now: now.addingTimeInterval(-3600)) == nil)
        #expect(!cookie.contains(id.hex))
        #expect(!cookie.contains(sessionID.hex))
        #expect(try codec.encode(session) != cookie, "a fresh nonce each time")
        #expect(cookie.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func originPolicyFollowsCrossOriginProtection() {
        let policy = OriginPolicy(trustedOrigins: ["https://trusted.example"])
        let host = "chat.example:8080"
        #expect(policy.check(method: "POST", secFetchSite: nil, origin: nil, host: host) == .allowed)
        #expect(policy.check(method: "POST", secFetchSite: "same-origin", origin: nil, host: host) == .allowed)
        #expect(policy.check(method: "POST", secFetchSite: "none", origin: nil, host: host) == .allowed)
        #expect(policy.check(method: "GET", secFetchSite: "cross-site", origin: "http://evil", host: host) == .allowed)
        #expect(policy.check(method: "POST", secFetchSite: "cross-site", origin: nil, host: host) != .allowed)
        #expect(policy.check(method: "POST", secFetchSite: nil, origin: "http://chat.example:8080", host: host) == .allowed)
        #expect(policy.check(method: "POST", secFetchSite: nil, origin: "http://chat.example", host: host) != .allowed)
        #expect(policy.check(method: "POST", secFetchSite: nil, origin: "null", host: host) != .allowed)
        #expect(policy.check(method: "POST", secFetchSite: "cross-site", origin: "https://trusted.example", host: host) == .allowed)
        #expect(policy.checkOrigin(secFetchSite: nil, origin: "ws://chat.example", host: host) == .allowed)
        #expect(policy.checkOrigin(secFetchSite: nil, origin: "ws://evil.example", host: host) != .allowed)
    }
}
