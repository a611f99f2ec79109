@testable import ChatServer
import Foundation
import NIOPosix
import Testing

/// The built `chatctl` binary running `serve` in a child process, for signal and restart tests.
final class ServeProcess: Sendable {
    let process: Process
    let port: Int
    let stderrPath: String

    static var binary: URL { TestPaths.chatctlBinary }

    /// `port`: a fixed one (to restart a server where its clients expect it), else a free one.
    init(dataDirectory: String, port: Int? = nil, extraEnvironment: [String: String] = [:]) throws {
        self.port = try port ?? FreePort.find()
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["serve", "--port", "\(self.port)"]
        var environment = ProcessInfo.processInfo.environment
        environment["DATA_DIR"] = dataDirectory
        environment["BCRYPT_COST"] = "4"
        environment["SECRET_KEY"] = TestServer.secret.base64
        environment["LOG_LEVEL"] = "info"
        for (key, value) in extraEnvironment { environment[key] = value }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: dataDirectory)
        stderrPath = (dataDirectory as NSString).appendingPathComponent("serve-\(self.port)-\(UUID().uuidString.prefix(8)).log")
        try TestPaths.createFile(stderrPath)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Waits until /health answers (the process is listening).
    func waitUntilReady() async throws {
        for _ in 0..<200 {
            if let response = try? await RawHTTP.get(port: port, path: "/health", headers: [:]), response.hasPrefix("HTTP/1.1 200") {
                // Whoever answered, a serve that could not bind its port has exited (or is about to): not ours.
                try await Task.sleep(for: .milliseconds(100))
                guard process.isRunning, !log.contains("Address already in use") else { throw Failure.exited(log) }
                return
            }
            guard process.isRunning else { throw Failure.exited(log) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure.neverReady(log)
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    func waitForExit() async -> Int32 {
        let process = self.process
        return (try? await NIOThreadPool.singleton.runIfActive {
            process.waitUntilExit()
            return process.terminationStatus
        }) ?? -1
    }

    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    enum Failure: Error {
        case exited(String)
        case neverReady(String)
    }
}
