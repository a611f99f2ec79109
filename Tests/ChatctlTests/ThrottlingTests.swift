@testable import ChatAuth
@testable import ChatModel
@testable import ChatServer
import Foundation
import HTTPTypes
import Testing

@Suite("Throttling of log-ins, sign-ups and bcrypt")
struct ThrottlingTests {
    @Test func failedLogInsForOneLoginBackOffWithRetryAfter() async throws {
        try await TestServer.run { _, client in
            _ = try await client.signUp("alice")
            for _ in 0..<6 {
                let wrong = try await client.logIn("alice", password: "wrong guess")
                #expect(wrong.status == .unauthorized)
            }
            // Blocked now, even with the right password: a guesser cannot tell a right guess from a block.
            let blocked = try await client.logIn("ALICE", password: "correct horse")
            #expect(blocked.status == .tooManyRequests)
            #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 >= 1)
        }
    }

    @Test func theBlockEndsAndASuccessClearsIt() {
        let throttle = FailureThrottle(allowed: 2, firstBlock: .seconds(1), maximumBlock: .seconds(8), forgetAfter: .seconds(60))
        let start = ContinuousClock.now
        for offset in 0..<2 { throttle.record("k", now: start + .milliseconds(offset)) }
        #expect(throttle.retryAfter("k", now: start) == nil, "the allowed failures cost nothing")
        throttle.record("k", now: start)
        #expect(throttle.retryAfter("k", now: start) == .seconds(1))
        throttle.record("k", now: start)
        #expect(throttle.retryAfter("k", now: start) == .seconds(2), "each further failure doubles the wait")
        for _ in 0..<10 { throttle.record("k", now: start) }
        #expect(throttle.retryAfter("k", now: start) == .seconds(8), "up to the maximum, never forever")
        #expect(throttle.retryAfter("k", now: start + .seconds(9)) == nil)
        #expect(throttle.retryAfter("k", now: start + .seconds(61)) == nil, "forgotten after a quiet spell")
        throttle.record("other", now: start)
        throttle.clear("other")
        #expect(throttle.retryAfter("other", now: start) == nil)
    }

    @Test func aFloodOfKeysStaysWithinCapacity() {
        let throttle = FailureThrottle(allowed: 0, capacity: 100)
        for index in 0..<1_000 { throttle.record("key \(index)") }
        #expect(throttle.retryAfter("key 999") != nil)
        #expect(throttle.retryAfter("key 0") == nil, "the oldest were forgotten")
    }

    @Test func signUpsFromOneAddressAreLimited() async throws {
        try await TestServer.run { _, client in
            for index in 0..<6 { _ = try await client.signUp("user\(index)") }
            let refused = try await client.request("/signin", method: .post,
                                                   form: ["login": "user9", "email": "user9@example.com", "password": "correct horse"])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
        }
    }

    @Test func bcryptWorkBeyondTheQueueIsTurnedAwayAtOnce() async throws {
        let gate = BcryptGate(limit: 1, queue: 1)
        let release = AsyncStream.makeStream(of: Void.self)
        let started = AsyncStream.makeStream(of: Void.self)
        async let first: Int? = gate.run {
            started.continuation.yield()
            for await _ in release.stream { break }
            return 1
        }
        var iterator = started.stream.makeAsyncIterator()
        _ = await iterator.next()
        async let second: Int? = gate.run { 2 }
        // `second` waits in the queue (its place taken once it runs `gate.run`); a third has no place.
        try await Task.sleep(for: .milliseconds(50))
        let third = await gate.run { 3 }
        #expect(third == nil)
        release.continuation.yield()
        #expect(await first == 1)
        #expect(await second == 2)
        #expect(await gate.run { 4 } == 4, "slots come back")
    }

    @Test func loggedValuesCannotForgeLinesOrReachTheTerminal() {
        #expect(LogValue.escaped("eve\nINFO fake line") == "eve\\u{a}INFO fake line")
        #expect(LogValue.escaped("\u{1B}[2J") == "\\u{1b}[2J")
        #expect(LogValue.escaped(String(repeating: "x", count: 500), limit: 10) == String(repeating: "x", count: 10) + "…")
        #expect(LogValue.escaped("plain é 😀") == "plain é 😀")
    }

    @Test func webSocketsPerUserAreCapped() async throws {
        try await TestServer.run(TestServer.config { $0.maxSocketsPerUser = 2 }) { _, client in
            let cookie = try await client.signUp("alice")
            let (first, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let (second, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let third = try await RawHTTP.get(port: client.port, path: "/ws",
                                              headers: RawHTTP.upgradeHeaders + [.cookie: "\(SessionCookie.name)=\(cookie)"])
            #expect(third.hasPrefix("HTTP/1.1 429"), "\(third.prefix(200))")
            await first.close()
            await second.close()
        }
    }

    @Test func passwordsWithNULAreRefused() async throws {
        #expect(throws: Credentials.Problem.passwordWithNUL) { try Credentials.validatePassword("correct\u{0}horse") }
        try await TestServer.run { _, client in
            let refused = try await client.request("/signin", method: .post,
                                                   form: ["login": "nul", "email": "nul@example.com", "password": "correct\u{0}horse"])
            #expect(refused.status == .unprocessableContent)
            _ = try await client.signUp("alice", password: "correct horse")
            let cut = try await client.logIn("alice", password: "correct horse\u{0}anything")
            #expect(cut.sessionCookie == nil, "a NUL does not end the password early")
        }
    }
}
