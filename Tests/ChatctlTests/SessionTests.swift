@testable import ChatAdmin
@testable import ChatAuth
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import HTTPTypes
import Testing

@Suite("Sessions: records the server can end")
struct SessionTests {
    static func session(_ user: ObjectId, at now: Date, lifetime: Duration = .seconds(3600)) -> SessionRecord {
        SessionRecord.start(userID: user, address: "127.0.0.1", userAgent: "test/1", lifetime: lifetime, now: now)
    }

    @Test(arguments: MongoTestEnvironment.storeKinds)
    func storesCreateFindTouchAndEndSessions(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let user = ObjectIdGenerator().next()
            let now = Date(millisecondsSince1970: 1_795_546_800_000)
            let first = Self.session(user, at: now)
            let second = Self.session(user, at: now.addingTimeInterval(1))
            try await store.createSession(first)
            try await store.createSession(second)
            #expect(try await store.session(id: first.id) == first)
            #expect(try await store.session(id: .random()) == nil)
            #expect(try await store.sessions(userID: user).map(\.id) == [second.id, first.id], "newest first")

            try await store.touchSession(id: first.id, at: now.addingTimeInterval(120))
            #expect(try await store.session(id: first.id)?.lastSeen == now.addingTimeInterval(120))
            try await store.touchSession(id: first.id, at: now.addingTimeInterval(60))
            #expect(try await store.session(id: first.id)?.lastSeen == now.addingTimeInterval(120), "never backwards")

            let endedAt = now.addingTimeInterval(200)
            #expect(try await store.endSession(id: first.id, at: endedAt))
            #expect(try await store.endSession(id: first.id, at: endedAt) == false, "ended once")
            #expect(try await store.session(id: first.id)?.ended == endedAt)
            let ended = try await store.sessionsEnded(since: now.addingTimeInterval(150), now: endedAt)
            #expect(ended.map(\.id) == [first.id])
            #expect(try await store.endSessions(userID: user, at: endedAt) == 1, "only the one still active")
            #expect(try await store.sessionsEnded(since: endedAt, now: endedAt).count == 2)
        }
    }

    @Test func signOutIsPOSTOnlyAndEndsTheSession() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let page = try await client.request("/signout", cookie: cookie)
            #expect(page.status == .ok, "GET shows a form; it signs no one out")
            #expect(try await client.request("/", cookie: cookie).status == .ok)
            let signedOut = try await client.request("/signout", method: .post, cookie: cookie)
            #expect(signedOut.status == .found)
            let after = try await client.request("/", cookie: cookie)
            #expect(after.status == .found, "a copy of the cookie no longer works")
            #expect(after.headers[.location] == "/login")
        }
    }

    /// Two tabs on one session: signing out in one closes both within a second; the user's other log-in stays.
    @Test func everySocketOfAnEndedSessionClosesWith4401() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let otherLogIn = try #require(try await client.logIn("alice", password: "correct horse").sessionCookie)
            let (first, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let (second, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let (other, _) = try await TestSocket.connect(port: client.port, cookie: otherLogIn)
            let signedOut = try await client.request("/signout", method: .post, cookie: cookie)
            #expect(signedOut.status == .found)
            for tab in [first, second] {
                let close = try await tab.waitForClose()
                #expect(close?.closeCode == .unknown(4401))
                #expect(close?.reason == "session ended")
            }
            other.send("still here")
            #expect(try await other.next("message").text == "still here")
            #expect(try await client.request("/", cookie: otherLogIn).status == .ok)
            await other.close()
        }
    }

    @Test func logInRecordsTheClientAndTheCookieNamesTheSession() async throws {
        try await TestServer.run { server, client in
            let signedUp = try await client.request(
                "/signin", method: .post, headers: [.userAgent: "Browser/1.0 (test)"],
                form: ["login": "alice", "email": "alice@example.com", "password": "correct horse"])
            let cookie = try #require(signedUp.sessionCookie)
            let user = try #require(try await server.store.user(login: "alice"))
            let sealed = try #require(server.sessions.decode(cookie))
            #expect(sealed.userID == user.id)
            let record = try #require(try await server.store.session(id: sealed.sessionID))
            #expect(record.userID == user.id)
            #expect(record.address == "127.0.0.1")
            #expect(record.userAgent == "Browser/1.0 (test)")
            #expect(record.ended == nil)
            #expect(record.lastSeen == record.created)
            #expect(record.expires.timeIntervalSince(record.created) == 7 * 86400, "SESSION_TTL")
            #expect(sealed.issued == record.created)

            let loggedIn = try await client.request("/login", method: .post, headers: [.userAgent: String(repeating: "ü", count: 500)],
                                                    form: ["login": "alice", "password": "correct horse"])
            let secondCookie = try #require(loggedIn.sessionCookie)
            let second = try #require(server.sessions.decode(secondCookie))
            #expect(second.sessionID != sealed.sessionID, "every log-in is a session of its own")
            let sessions = try await server.store.sessions(userID: user.id)
            #expect(sessions.map(\.id) == [second.sessionID, sealed.sessionID])
            #expect(sessions[0].userAgent == String(repeating: "ü", count: 128), "bounded to 256 bytes")
        }
    }

    @Test func getSignoutOffersAFormAndCrossSitePostsEndNothing() async throws {
        try await TestServer.run { _, client in
            #expect(try await client.request("/signout").headers[.location] == "/login", "no session: nothing to sign out of")
            let cookie = try await client.signUp("alice")
            let page = try await client.request("/signout", cookie: cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<form id="form" method="post" action="/signout""#))
            #expect(page.text.contains("alice"))
            #expect(!page.text.contains("<script"), "no script at all, inline or not")
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(page.sessionCookie == nil && page.headers[values: .setCookie].isEmpty, "the cookie is left alone")

            let forged = try await client.request("/signout", method: .post, cookie: cookie, headers: [.secFetchSite: "cross-site"])
            #expect(forged.status == .forbidden)
            #expect(try await client.request("/", cookie: cookie).status == .ok, "a forged sign-out ends nothing")
            #expect(try await client.request("/signout", method: .post).headers[.location] == "/login", "no cookie: just the redirect")
        }
    }

    @Test func lastSeenIsWrittenAtMostOnceAMinute() async throws {
        try await TestServer.run { server, client in
            let cookie = try await client.signUp("alice")
            let id = try #require(server.sessions.decode(cookie)).sessionID
            let created = try #require(try await server.store.session(id: id)).created
            for _ in 0..<5 { #expect(try await client.request("/api/messages", cookie: cookie).status == .ok) }
            #expect(try await server.store.session(id: id)?.lastSeen == created, "not on every request")

            func lastSeen(after seconds: TimeInterval) async throws -> Date? {
                let signedIn = try await server.user(fromCookie: cookie, now: created.addingTimeInterval(seconds))
                #expect(signedIn?.session.id == id)
                return try await server.store.session(id: id)?.lastSeen
            }
            #expect(try await lastSeen(after: 59) == created)
            #expect(try await lastSeen(after: 61) == created.addingTimeInterval(61))
            #expect(try await lastSeen(after: 100) == created.addingTimeInterval(61))
            #expect(try await lastSeen(after: 122) == created.addingTimeInterval(122))
        }
    }

    /// The cookie is sealed and within its lifetime, but the store has the last word.
    @Test func aCookieWhoseSessionTheStoreDoesNotHoldActiveIsNoSession() async throws {
        try await TestServer.run { server, client in
            try await client.signUp("alice")
            try await client.signUp("bob")
            let alice = try #require(try await server.store.user(login: "alice"))
            let bob = try #require(try await server.store.user(login: "bob"))
            let aliceSession = try #require(try await server.store.sessions(userID: alice.id).first)
            let expiredRecord = SessionRecord.start(userID: alice.id, address: "", userAgent: "", lifetime: .seconds(5),
                                                    now: Date().addingTimeInterval(-10))
            var endedRecord = SessionRecord.start(userID: alice.id, address: "", userAgent: "", lifetime: .seconds(3600))
            endedRecord.ended = Date()
            try await server.store.createSession(expiredRecord)
            try await server.store.createSession(endedRecord)
            let cookies = [
                try server.sessions.encode(.init(expiredRecord)),
                try server.sessions.encode(.init(endedRecord)),
                try server.sessions.encode(.init(sessionID: .random(), userID: alice.id, issued: Date())),
                try server.sessions.encode(.init(sessionID: aliceSession.id, userID: bob.id, issued: Date())),
            ]
            for cookie in cookies {
                #expect(try await client.request("/", cookie: cookie).headers[.location] == "/login")
                #expect(try await client.request("/api/messages", cookie: cookie).status == .unauthorized)
                #expect(try await RawHTTP.get(port: client.port, path: "/ws", headers: {
                    var headers = RawHTTP.upgradeHeaders
                    headers[.cookie] = "\(SessionCookie.name)=\(cookie)"
                    return headers
                }()).hasPrefix("HTTP/1.1 401"))
            }
            #expect(try await client.request("/", cookie: try server.sessions.encode(.init(aliceSession))).status == .ok)
        }
    }

    @Test func aSocketWhoseSessionExpiresWhileConnectedIsClosedWith4401() async throws {
        try await TestServer.run(TestServer.config { $0.sessionLifetime = .seconds(2) }) { _, client in
            let cookie = try await client.signUp("alice")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            #expect(try await socket.waitForClose()?.closeCode == .unknown(4401))
        }
    }

    @Test func passwordChangeAndLogoutEndSessionsAndCloseTheirSockets() async throws {
        try await TestServer.run { server, client in
            let cookie = try await client.signUp("alice")
            let admin = UserAdmin(store: server.store, bcryptCost: 4)
            let (_, sessions) = try await admin.sessions(login: "alice")
            #expect(sessions.count == 1)
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            #expect(try await admin.logout(login: "alice") == 1)
            #expect(try await socket.waitForClose()?.closeCode == .unknown(4401))
            #expect(try await client.request("/api/messages", cookie: cookie).status == .unauthorized)

            let again = try await client.logIn("alice", password: "correct horse")
            let fresh = try #require(again.sessionCookie)
            #expect(try await client.request("/", cookie: fresh).status == .ok)
            #expect(try await admin.setPassword(login: "alice", password: "a new password") == 1)
            #expect(try await client.request("/", cookie: fresh).status == .found)
        }
    }

    /// The environment that points `chatctl` at the store of a test server.
    static func storeEnvironment(_ config: AppConfig) -> [String: String] {
        var environment = ["DATA_DIR": config.dataDirectory]
        if let uri = config.mongoURI {
            environment["MONGO_HOST"] = uri
            environment["MONGO_DB_NAME"] = config.mongoDatabase
        }
        return environment
    }

    @Test func theCommandLineListsAndEndsTheSessionsOfARunningServer() async throws {
        try await TestServer.run { server, client in
            let cookie = try await client.signUp("alice")
            let second = try #require(try await client.logIn("alice", password: "correct horse").sessionCookie)
            let firstID = try #require(server.sessions.decode(cookie)).sessionID.hex
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let (other, _) = try await TestSocket.connect(port: client.port, cookie: second)
            let cli = try CLISandbox()
            let environment = Self.storeEnvironment(server.config)

            let listed = try await cli.run(["user", "sessions", "alice", "--json"], environment: environment)
            #expect(listed.status == 0, "\(listed.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: listed.stdoutBytes) as? [[String: Any]])
            #expect(rows.count == 2)
            #expect(rows.map { $0["state"] as? String } == ["active", "active"])
            #expect(rows.last?["id"] as? String == firstID, "newest first")
            #expect(rows.allSatisfy { $0["address"] as? String == "127.0.0.1" && $0["ended"] is NSNull })
            #expect(rows.first.map { Array($0.keys).sorted() } == ["address", "created", "ended", "expires", "id", "lastSeen", "state", "userAgent"])

            let one = try await cli.run(["user", "logout", "alice", "--session", firstID], environment: environment)
            #expect(one.status == 0, "\(one.stderr)")
            #expect(one.stderr.contains("ended session \(firstID) of alice"))
            #expect(try await socket.waitForClose()?.closeCode == .unknown(4401))
            other.send("still here")
            #expect(try await other.next("message").text == "still here", "only that session")

            let again = try await cli.run(["user", "logout", "alice", "--session", firstID], environment: environment)
            #expect(again.status == 0)
            #expect(again.stderr.contains("had ended already"))
            let unknown = try await cli.run(["user", "logout", "alice", "--session", SessionID.random().hex], environment: environment)
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("alice has no session"))
            let malformed = try await cli.run(["user", "logout", "alice", "--session", "nope"], environment: environment)
            #expect(malformed.status == 1)
            #expect(malformed.stderr.contains("not a session id"))

            let all = try await cli.run(["user", "logout", "alice"], environment: environment)
            #expect(all.status == 0)
            #expect(all.stderr.contains("ended 1 session of alice"))
            #expect(try await other.waitForClose()?.closeCode == .unknown(4401))
            let table = try await cli.run(["user", "sessions", "alice"], environment: environment)
            #expect(table.stdout.hasPrefix("ID"))
            #expect(table.stdout.components(separatedBy: "  ended ").count == 3, "\(table.stdout)")
        }
    }

    @Test func passwdAndRemoveFromTheCommandLineCloseTheSockets() async throws {
        try await TestServer.run { server, client in
            let alice = try await client.signUp("alice")
            let bob = try await client.signUp("bob")
            let (aliceSocket, _) = try await TestSocket.connect(port: client.port, cookie: alice)
            let (bobSocket, _) = try await TestSocket.connect(port: client.port, cookie: bob)
            let cli = try CLISandbox()
            let environment = Self.storeEnvironment(server.config)

            let passwd = try await cli.run(["user", "passwd", "alice", "--password-stdin"], stdin: "a new password\n", environment: environment)
            #expect(passwd.status == 0, "\(passwd.stderr)")
            #expect(passwd.stderr.contains("1 session ended"))
            #expect(try await aliceSocket.waitForClose()?.closeCode == .unknown(4401))
            #expect(try await client.request("/", cookie: alice).status == .found)

            let remove = try await cli.run(["user", "remove", "bob", "--yes"], environment: environment)
            #expect(remove.status == 0, "\(remove.stderr)")
            #expect(try await bobSocket.waitForClose()?.closeCode == .unknown(4401))
            #expect(try await server.store.user(login: "bob") == nil)
        }
    }
}
