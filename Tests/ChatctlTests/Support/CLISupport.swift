@testable import ChatServer
import Foundation
import Testing


struct CLIResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: Data
}

/// A temporary working directory with its own DATA_DIR (SQLite), for running chatctl as a user would.
/// The directory is removed when the sandbox goes away.
final class CLISandbox: Sendable {
    let directory: URL
    let environment: [String: String]

    /// `without`: variables to leave out of the child's environment (e.g. so that a .env file's value applies).
    init(without: Set<String> = []) throws {
        directory = try makeTemporaryDirectory("chatctl-cli")
        environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": directory.path,
            "DATA_DIR": directory.appendingPathComponent("data").path,
            "BCRYPT_COST": "4",
            "PORT": "1",  // never bound by tests; `check` reports it
        ].filter { !without.contains($0.key) }
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }

    func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: directory.appendingPathComponent(name))
    }

    /// Runs chatctl with `arguments`, feeding `stdin` (an empty file when nil), from the sandbox directory.
    /// The wait happens on a thread of its own, never on the tests' cooperative pool.
    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) async throws -> CLIResult {
        try await offThePool { try self.runBlocking(arguments, stdin: stdin, environment: extra) }
    }

    func runBlocking(_ arguments: [String], stdin: String?, environment extra: [String: String]) throws -> CLIResult {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.chatctlBinary.path) else {
            Issue.record("build chatctl first: \(TestPaths.chatctlBinary.path) is missing")
            return CLIResult(status: -1, stdout: "", stderr: "", stdoutBytes: Data())
        }
        let id = UUID().uuidString
        let outURL = directory.appendingPathComponent(".out-\(id)")
        let errURL = directory.appendingPathComponent(".err-\(id)")
        let inURL = directory.appendingPathComponent(".in-\(id)")
        try TestPaths.createFile(outURL.path)
        try TestPaths.createFile(errURL.path)
        try TestPaths.createFile(inURL.path, contents: Data((stdin ?? "").utf8))
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
            try? FileManager.default.removeItem(at: inURL)
        }
        let process = Process()
        process.executableURL = TestPaths.chatctlBinary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment.merging(extra) { $1 }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        try inHandle.close()
        let out = try Data(contentsOf: outURL)
        let err = try Data(contentsOf: errURL)
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self), stdoutBytes: out)
    }
}

/// Runs blocking work (waiting for a child process) on a dispatch thread, so that tests running in parallel
/// on the cooperative pool are not starved.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}
