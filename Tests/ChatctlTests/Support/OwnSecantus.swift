@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Glibc
import Logging
import Testing

enum OwnSecantus {
    static var root: URL { TestPaths.packageRoot }
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
