@testable import ChatAdmin
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

    @Test func everySocketOfAnEndedSessionClosesWith4401() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let (first, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let (second, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            _ = try await client.request("/signout", method: .post, cookie: cookie)
            #expect(try await first.waitForClose()?.closeCode == .unknown(4401))
            #expect(try await second.waitForClose()?.closeCode == .unknown(4401))
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
}
