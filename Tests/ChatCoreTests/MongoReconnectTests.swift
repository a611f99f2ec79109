import Foundation
import Glibc
import Logging
import Testing
@testable import ChatCore

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

    static func start(port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--host", "127.0.0.1", "--port", String(port), "--storage-path", ":memory:"]
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
