@testable import ChatModel
@testable import ChatAuth
@testable import ChatConfig
@testable import ChatServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing


@Suite("Accounts and sessions over HTTP")
struct AccountFlowTests {
    @Test func signUpLogsInAndShowsTheChat() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let page = try await client.request("/", cookie: cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<span class="me">alice</span>"#))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
        }
    }

    @Test func logInChecksThePassword() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("bob", password: "right password")
            let wrong = try await client.logIn("bob", password: "wrong password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.sessionCookie == nil)
            #expect(wrong.text.contains("Wrong login or password"))
            let unknown = try await client.logIn("nobody", password: "whatever1")
            #expect(unknown.status == .unauthorized)
            #expect(unknown.sessionCookie == nil)
            let right = try await client.logIn("BOB", password: "right password")
            #expect(right.status == .found)
            #expect(right.headers[.location] == "/")
            let cookie = try #require(right.sessionCookie)
            #expect(try await client.request("/", cookie: cookie).status == .ok)
        }
    }

    @Test func sessionCookieIsHttpOnlyLaxAndExpires() async throws {
        try await TestServer.run { _, client in
            let response = try await client.request("/signin", method: .post,
                                                    form: ["login": "carol", "email": "carol@example.com", "password": "12345678"])
            let header = try #require(response.headers[values: .setCookie].first)
            #expect(header.contains("HttpOnly"))
            #expect(header.contains("SameSite=Lax"))
            #expect(header.contains("Max-Age=604800"))
            #expect(header.contains("Path=/"))
            #expect(!header.contains("Secure"))
        }
        try await TestServer.run(TestServer.config { $0.secureCookies = true }) { _, client in
            let response = try await client.request("/signin", method: .post,
                                                    form: ["login": "carol", "email": "carol@example.com", "password": "12345678"])
            #expect(response.headers[values: .setCookie].first?.contains("Secure") == true)
        }
    }

    @Test func duplicateAndInvalidSignUpsShowTheFormWithTheError() async throws {
        try await TestServer.run { server, client in
            try await client.signUp("dave", email: "dave@example.com")
            let cases: [([String: String], HTTPResponse.Status, String)] = [
                (["login": "DAVE", "email": "other@example.com", "password": "12345678"], .conflict, "login is taken"),
                (["login": "dave2", "email": "DAVE@example.com", "password": "12345678"], .conflict, "email is already registered"),
                (["login": "", "email": "x@example.com", "password": "12345678"], .unprocessableContent, "a login is 1 to 32"),
                (["login": String(repeating: "a", count: 33), "email": "x@example.com", "password": "12345678"], .unprocessableContent, "a login is 1 to 32"),
                (["login": "<script>", "email": "x@example.com", "password": "12345678"], .unprocessableContent, "a login is 1 to 32"),
                (["login": "eve", "email": "not-an-email", "password": "12345678"], .unprocessableContent, "not an email"),
                (["login": "eve", "email": "eve@example.com", "password": "short"], .unprocessableContent, "at least 8"),
                (["login": "eve", "email": "eve@example.com", "password": String(repeating: "p", count: 73)], .unprocessableContent, "at most 72"),
                (["login": "eve"], .unprocessableContent, "not an email"),
            ]
            for (form, status, message) in cases {
                let response = try await client.request("/signin", method: .post, form: form)
                #expect(response.status == status, "\(form)")
                #expect(response.text.lowercased().contains(message.lowercased()), "\(form): \(response.text)")
                #expect(response.sessionCookie == nil)
                #expect(!response.text.contains("<script>"), "user input echoed unescaped")
            }
            #expect(try await server.store.allUsers().map(\.login) == ["dave"])
        }
    }

    @Test func malformedAndOversizedFormsAreRefused() async throws {
        try await TestServer.run { _, client in
            var headers = HTTPFields()
            headers[.contentType] = "application/x-www-form-urlencoded"
            let invalidUTF8 = try await client.client.executeRequest(
                uri: "/login", method: .post, headers: headers, body: ByteBuffer(bytes: [0x6c, 0x3d, 0xff, 0xfe]))
            #expect(invalidUTF8.status == .badRequest)
            let badEscape = try await client.client.executeRequest(
                uri: "/signin", method: .post, headers: headers, body: ByteBuffer(string: "login=%zz&email=a&password=b"))
            #expect(badEscape.status == .badRequest)
            // Which of two logins would be checked is ambiguous: refused rather than guessed.
            let repeated = try await client.client.executeRequest(
                uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: "login=a&login=b&password=c"))
            #expect(repeated.status == .badRequest)
            let nested = try await client.client.executeRequest(
                uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: "login[x]=a&password=c"))
            #expect(nested.status == .badRequest)
            let huge = try await client.client.executeRequest(
                uri: "/login", method: .post, headers: headers,
                body: ByteBuffer(string: "login=a&password=" + String(repeating: "x", count: 100_000)))
            #expect(huge.status == .contentTooLarge)
        }
    }

    @Test func signUpCanBeClosed() async throws {
        try await TestServer.run(TestServer.config { $0.allowSignup = false }) { server, client in
            let response = try await client.request("/signin", method: .post,
                                                    form: ["login": "frank", "email": "frank@example.com", "password": "12345678"])
            #expect(response.status == .forbidden)
            #expect(try await server.store.allUsers().isEmpty)
            #expect(!(try await client.request("/login").text.contains("/signin")))
        }
    }

    @Test func signOutEndsTheSession() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("grace")
            let response = try await client.request("/signout", method: .post, cookie: cookie)
            #expect(response.status == .found)
            #expect(response.headers[.location] == "/login")
            let cleared = try #require(response.headers[values: .setCookie].first)
            #expect(cleared.hasPrefix("\(SessionCookie.name)=;"))
            #expect(cleared.contains("Max-Age=0"))
        }
    }

    @Test func tamperedExpiredAndForeignCookiesAreNotSessions() async throws {
        let foreign = SessionCodec(secret: SecretKey.random(), lifetime: .seconds(3600))
        try await TestServer.run { server, client in
            let cookie = try await client.signUp("heidi")
            let user = try #require(try await server.store.user(login: "heidi"))
            var bytes = Array(cookie.utf8)
            bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let tampered = String(decoding: bytes, as: UTF8.self)
            let live = try #require(try await server.store.sessions(userID: user.id).first)
            let expired = try server.sessions.encode(.init(sessionID: live.id, userID: user.id, issued: Date().addingTimeInterval(-8 * 86400)))
            let fromElsewhere = try foreign.encode(.init(live))
            for bad in [tampered, expired, fromElsewhere, "", "garbage", String(repeating: "A", count: 4000)] {
                let page = try await client.request("/", cookie: bad)
                #expect(page.status == .found, "cookie \(bad.prefix(20)) was accepted")
                #expect(page.headers[.location] == "/login")
                #expect(try await client.request("/api/messages", cookie: bad).status == .unauthorized)
            }
        }
    }

    @Test func authorizeRedirectsPagesAndRefusesAPIs() async throws {
        try await TestServer.run { _, client in
            let page = try await client.request("/")
            #expect(page.status == .found)
            #expect(page.headers[.location] == "/login")
            #expect(try await client.request("/api/messages").status == .unauthorized)
            // Not a handshake at all (no Upgrade): RFC 6455 §4.2.1 says 400, and the connection closes.
            let plainWS = try await RawHTTP.get(port: client.port, path: "/ws", headers: [:])
            #expect(plainWS.hasPrefix("HTTP/1.1 400"), "\(plainWS.prefix(200))")
            #expect(try await client.request("/login").status == .ok)
            #expect(try await client.request("/signin").status == .ok)
            #expect(try await client.request("/health").status == .ok)
            #expect(try await client.request("/favicon.ico").status == .noContent)
            #expect(try await client.request("/ready").status == .ok)
            let metrics = try await client.request("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("chat_websocket_connections 0"))
            let script = try await client.request("/static/chat.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(script.headers[.cacheControl]?.contains("max-age") == true)
            let etag = try #require(script.headers[.eTag])
            var headers = HTTPFields()
            headers[.ifNoneMatch] = etag
            #expect(try await client.request("/static/chat.js", headers: headers).status == .notModified)
            for list in [#""other", \#(etag)"#, "W/\(etag)", "*"] {
                headers[.ifNoneMatch] = list
                #expect(try await client.request("/static/chat.js", headers: headers).status == .notModified, "\(list)")
            }
            headers[.ifNoneMatch] = #""other", W/"another""#
            #expect(try await client.request("/static/chat.js", headers: headers).status == .ok)
            #expect(try await client.request("/static/../Package.swift").status != .ok)
            #expect(try await client.request("/static/nope.js").status == .notFound)
        }
    }

    @Test func crossSitePostsAreRefusedScriptsAndSameOriginPass() async throws {
        try await TestServer.run(TestServer.config { $0.allowedOrigins = ["https://trusted.example"] }) { server, client in
            let form = ["login": "ivan", "email": "ivan@example.com", "password": "12345678"]
            var statuses: [HTTPResponse.Status] = []
            for headers: HTTPFields in [[.secFetchSite: "cross-site"], [.secFetchSite: "same-site"],
                                        [.origin: "http://evil.example"], [.origin: "null"]] {
                statuses.append(try await client.request("/signin", method: .post, headers: headers, form: form).status)
            }
            #expect(statuses == [.forbidden, .forbidden, .forbidden, .forbidden])
            #expect(try await server.store.allUsers().isEmpty)
            let trusted = try await client.request("/signin", method: .post,
                                                   headers: [.origin: "https://trusted.example", .secFetchSite: "cross-site"], form: form)
            #expect(trusted.status == .found)
            #expect(try await client.request("/login", method: .post, headers: [.secFetchSite: "same-origin"],
                                             form: ["login": "ivan", "password": "12345678"]).status == .found)
            #expect(try await client.request("/login", method: .post, headers: [.origin: "http://localhost"],
                                             form: ["login": "ivan", "password": "12345678"]).status == .found)
            #expect(try await client.request("/login", method: .post, form: ["login": "ivan", "password": "12345678"]).status == .found)
            // Safe methods are never refused.
            #expect(try await client.request("/login", headers: [.secFetchSite: "cross-site"]).status == .ok)
        }
    }

    @Test func historyAndSessionsSurviveARestart() async throws {
        let config = TestServer.config()
        let cookie = try await TestServer.run(config) { server, client in
            let cookie = try await client.signUp("judy")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            socket.send("before restart")
            _ = try await socket.next("message")
            await socket.close()
            return cookie
        }
        try await TestServer.run(config) { _, client in
            let page = try await client.request("/", cookie: cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains("before restart"))
        }
    }
}
