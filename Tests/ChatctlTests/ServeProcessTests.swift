@testable import ChatModel
@testable import ChatConfig
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Testing

/// `chatctl serve` as an operator runs it: a child process, real signals.
@Suite("chatctl serve process")
struct ServeProcessTests {
    @Test func sigtermClosesWebSocketsWith1001AndLosesNothing() async throws {
        let directory = TestPaths.temporaryDirectory()
        let serve = try ServeProcess(dataDirectory: directory, extraEnvironment: ["RATE_LIMIT": "100000", "RATE_BURST": "100000"])
        try await serve.waitUntilReadyOrKill()
        let cookie = try await ServeClient.signUp(port: serve.port, login: "alice")
        let (socket, _) = try await TestSocket.connect(port: serve.port, cookie: cookie)
        for index in 0..<200 { socket.send("before shutdown \(index)") }
        for _ in 0..<200 { _ = try await socket.next("message") }
        serve.signal(SIGTERM)
        let frame = try await socket.waitForClose()
        #expect(frame?.closeCode == .goingAway)
        let status = await serve.waitForExit()
        #expect(status == 0, "exit status \(status); log:\n\(serve.log)")
        // One line per request, and never a password or a session cookie.
        #expect(serve.log.contains("POST /signin 302"))
        #expect(!serve.log.contains("correct horse"))
        #expect(!serve.log.contains("correct+horse"))
        #expect(!serve.log.contains(cookie))
        let store = try SQLiteStore(path: (directory as NSString).appendingPathComponent("chat.sqlite"))
        #expect(try await store.countMessages(matching: .init()) == 200)
        await store.close()
    }

    /// Clients that do nothing to help (one never sends a request, one stops mid-request, a WebSocket that
    /// never answers the close) cannot hold the process past DRAIN_TIMEOUT.
    @Test func sigtermExitsWithinTheDrainTimeoutWhateverTheClientsDo() async throws {
        let serve = try ServeProcess(dataDirectory: TestPaths.temporaryDirectory(), extraEnvironment: ["DRAIN_TIMEOUT": "2s"])
        try await serve.waitUntilReadyOrKill()
        let cookie = try await ServeClient.signUp(port: serve.port, login: "alice")
        let idle = try RawSocket(port: serve.port)
        let halfSent = try RawSocket(port: serve.port)
        try halfSent.send(Array("POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nlogin=".utf8))
        let keptAlive = try RawSocket(port: serve.port)
        try keptAlive.send(Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(String(decoding: try keptAlive.receive(upTo: 4096), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        let mute = try RawSocket(port: serve.port)
        try mute.send(RawHTTP.getRequest(port: serve.port, path: "/ws", headers: RawHTTP.upgradeHeaders + [.cookie: "\(SessionCookie.name)=\(cookie)"]))
        #expect(String(decoding: try mute.receive(upTo: 4096), as: UTF8.self).hasPrefix("HTTP/1.1 101"))
        serve.signal(SIGTERM)
        var frame = try await mute.readFrame()
        while frame.opcode != 0x8 { frame = try await mute.readFrame() }
        #expect(frame.payload.prefix(2) == [0x03, 0xE9], "1001; the client never answers it")
        // The rest of the /health answer, then the close (a socket left open fails on its receive timeout).
        #expect(String(decoding: try keptAlive.readAll(), as: UTF8.self) == "ok\n", "an idle keep-alive connection is closed")
        #expect(await serve.waitForExit() == 0, "\(serve.log)")
        [idle, halfSent, keptAlive, mute].forEach { $0.close() }
    }

    @Test func sigintStopsAnIdleServerCleanly() async throws {
        let serve = try ServeProcess(dataDirectory: TestPaths.temporaryDirectory())
        try await serve.waitUntilReadyOrKill()
        serve.signal(SIGINT)
        #expect(await serve.waitForExit() == 0)
    }

    @Test func aBadSecretKeyStopsStartUpWithOneLine() async throws {
        let serve = try ServeProcess(dataDirectory: TestPaths.temporaryDirectory(), extraEnvironment: ["SECRET_KEY": "too-short"])
        #expect(await serve.waitForExit() == 1)
        let lines = serve.log.split(separator: "\n")
        #expect(lines.count == 1, "\(serve.log)")
        #expect(serve.log.contains("SECRET_KEY"))
        #expect(serve.log.contains("chatctl config init"))
    }

    @Test func aMissingSecretKeyIsGeneratedOnceIntoTheDataDirectory() async throws {
        let directory = TestPaths.temporaryDirectory()
        let keyPath = (directory as NSString).appendingPathComponent("secret_key")
        for run in 0..<2 {
            let serve = try ServeProcess(dataDirectory: directory, extraEnvironment: ["SECRET_KEY": ""])
            try await serve.waitUntilReadyOrKill()
            serve.signal(SIGTERM)
            #expect(await serve.waitForExit() == 0)
            #expect(serve.log.contains("generated one") == (run == 0))
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let key = try String(contentsOfFile: keyPath, encoding: .utf8)
        #expect((try? SecretKey(text: key.trimmingCharacters(in: .whitespacesAndNewlines))) != nil)
    }
}

extension ServeProcess {
    func waitUntilReadyOrKill() async throws {
        do {
            try await waitUntilReady()
        } catch {
            signal(SIGKILL)
            throw error
        }
    }
}
