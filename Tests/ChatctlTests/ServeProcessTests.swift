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
