@testable import ChatAuth
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Logging
import Testing

/// The password prompts on a real (pseudo-)terminal: asked twice, never echoed.
@Suite struct CLITerminalTests {
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func onTerminal(_ sandbox: CLISandbox, _ answers: [String], _ arguments: [String]) async throws -> (Int32, String) {
        let python = try #require(Self.python)
        return try await offThePool { try Self.runOnTerminal(python: python, sandbox, answers, arguments) }
    }

    static func runOnTerminal(python: String, _ sandbox: CLISandbox, _ answers: [String], _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestPaths.packageRoot.appendingPathComponent("Tests/ChatctlTests/Support/pty_run.py").path] + answers + ["--", TestPaths.chatctlBinary.path] + arguments
        process.currentDirectoryURL = sandbox.directory
        process.environment = sandbox.environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test(.enabled(if: python != nil, "python3 runs the pseudo-terminal"))
    func passwordPromptsDoNotEcho() async throws {
        let sandbox = try CLISandbox()
        let secret = "typed-on-a-tty-1"
        let (status, shown) = try await onTerminal(sandbox, ["Password for zed:", secret, "Again:", secret],
                                             ["user", "add", "zed", "--email", "zed@example.com"])
        #expect(status == 0, "\(shown)")
        #expect(shown.contains("Password for zed:"))
        #expect(shown.contains("Again:"))
        #expect(shown.contains("added user zed"))
        #expect(!shown.contains(secret), "the password was echoed: \(shown)")

        let (mismatch, shown2) = try await onTerminal(sandbox, ["Password for zed:", "first-password", "Again:", "other-password",
                                                          "Password for zed:", "third-password", "Again:", "third-password"],
                                                ["user", "passwd", "zed"])
        #expect(mismatch == 0, "\(shown2)")
        #expect(shown2.contains("the passwords differ"))
        #expect(!shown2.contains("third-password") && !shown2.contains("first-password"))

        let (declined, shown3) = try await onTerminal(sandbox, ["[y/N]", "n"], ["user", "remove", "zed"])
        #expect(declined == 1)
        #expect(shown3.contains("not removed"))
        let (confirmed, _) = try await onTerminal(sandbox, ["[y/N]", "y"], ["user", "remove", "zed"])
        #expect(confirmed == 0)
    }
}
