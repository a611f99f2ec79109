@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Glibc
import Logging
import Testing

/// A server that goes away during service and comes back: the store reports `unavailable` meanwhile and
/// recovers by itself, without being re-created. Runs its own SecantusDB (the one scripts/with-mongo.sh installed).
@Suite("MongoStore reconnects", .enabled(if: MongoTestEnvironment.uri != nil && OwnSecantus.isInstalled, MongoTestEnvironment.skipReason))
struct MongoReconnectTests {
    @Test func recoversWhenTheServerComesBack() async throws {
        let port = try OwnSecantus.freePort()
        var server = try OwnSecantus.start(port: port)
        defer { OwnSecantus.kill(server) }
        let store = try MongoStore(uri: "mongodb://127.0.0.1:\(port)/?replicaSet=secantus&serverSelectionTimeoutMS=1000",
                                   database: "reconnect", threads: 2, logger: Logger(label: "test"))
        try await OwnSecantus.waitUntilReachable(store)
        try await store.prepare()
        try await store.appendMessages(makeMessages(5))

        OwnSecantus.kill(server)  // a crash, not a polite shutdown: it would wait for our open connections
        let down = await #expect(throws: StoreError.self) { try await store.appendMessages(makeMessages(1)) }
        #expect(down.map { "\($0)".contains("127.0.0.1:\(port)") } == true, "names the host: \(String(describing: down))")
        await #expect(throws: StoreError.self) { try await store.ping() }

        server = try OwnSecantus.start(port: port)  // in memory: a fresh, empty server on the same address
        try await OwnSecantus.waitUntilReachable(store)
        try await store.prepare()
        try await store.appendMessages(makeMessages(3))
        #expect(try await store.countMessages(matching: MessageFilter()) == 3)
        await store.close()
    }
}

enum OwnSecantus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var executable: String { root.appendingPathComponent(".venv/bin/secantusd-py").path }
    static var python: String { root.appendingPathComponent(".venv/bin/python").path }
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    struct Failure: Error, CustomStringConvertible { var description: String }

    static func freePort() throws -> Int {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw Failure(description: "no free port: \(text)") }
        return port
    }

    static func kill(_ process: Process) {
        guard process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static func start(port: Int, storagePath: String = ":memory:") throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--host", "127.0.0.1", "--port", String(port), "--storage-path", storagePath]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Polls ping for up to 30 s: the first start of a Python server takes a moment.
    static func waitUntilReachable(_ store: MongoStore) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                try await store.ping()
                return
            } catch {
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// The same outage seen from the chat: `/ready` says 503, sends are refused with an error frame and not
/// broadcast, and the chat works again by itself once MongoDB is back.
@Suite("Chat server through a MongoDB outage", .enabled(if: MongoTestEnvironment.uri != nil && OwnSecantus.isInstalled, MongoTestEnvironment.skipReason))
struct ChatMongoOutageTests {
    @Test func sendsAreRefusedDuringTheOutageAndServiceResumes() async throws {
        let port = try OwnSecantus.freePort()
        let storage = TestPaths.temporaryDirectory()
        let mongo = ServerProcessBox(try OwnSecantus.start(port: port, storagePath: storage))
        defer { OwnSecantus.kill(mongo.process) }
        let config = TestServer.config {
            $0.mongoURI = "mongodb://127.0.0.1:\(port)/?replicaSet=secantus&serverSelectionTimeoutMS=1000"
            $0.mongoDatabase = "outage"
        }
        let probe = try MongoStore(uri: config.mongoURI ?? "", database: "outage", threads: 1, logger: Logger(label: "test"))
        try await OwnSecantus.waitUntilReachable(probe)
        await probe.close()
        try await TestServer.run(config) { server, client in
            let cookie = try await client.signUp("alice")
            let (sender, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let (watcher, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            sender.send("before")
            #expect(try await watcher.next("message").text == "before")

            OwnSecantus.kill(mongo.process)
            #expect(try await client.request("/ready").status == .serviceUnavailable)
            sender.send("during")
            let refused = try await sender.next("error")
            #expect(refused.code == .notStored)
            #expect(refused.error?.hasPrefix("not stored") == true)

            mongo.process = try OwnSecantus.start(port: port, storagePath: storage)
            var stored = false
            for attempt in 0..<150 where !stored {
                sender.send("after \(attempt)")
                let event = try await sender.next()
                stored = event.type == "message"
                if !stored { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(stored)
            #expect(try await client.request("/ready").status == .ok)
            // The watcher saw "before" and then only what was stored: never the refused message.
            let next = try await watcher.next("message")
            #expect(next.text?.hasPrefix("after") == true)
            #expect(try await server.store.messages(before: nil, limit: 10).map(\.text).contains("during") == false)
            await sender.close()
            await watcher.close()
        }
    }
}

/// The test's own MongoDB process, replaced when it is restarted; only the test task touches it.
final class ServerProcessBox: @unchecked Sendable {
    var process: Process
    init(_ process: Process) { self.process = process }
}
