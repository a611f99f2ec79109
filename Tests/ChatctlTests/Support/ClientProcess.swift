@testable import ChatServer
import Foundation
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The built `chatctl` binary as a client (`tail`, `chat`), its output piped to the test.
final class ClientProcess: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case timedOut(String, String)
        case system(String)

        var description: String {
            switch self {
            case .timedOut(let what, let output): "timed out waiting for \(what); output so far:\n\(output)"
            case .system(let what): what
            }
        }
    }

    let process: Process
    let stdout: OutputCollector
    let stderr: OutputCollector
    private let input: FileHandle?

    /// Waits for `condition` on stdout; a timeout also shows what the client said on stderr.
    func waitForOutput(_ what: String, within limit: Duration = .seconds(60), _ condition: (String) -> Bool) async throws {
        do {
            try await stdout.wait(for: what, within: limit, condition)
        } catch Failure.timedOut(let what, let output) {
            throw Failure.timedOut(what, output + "\nstderr so far:\n" + stderr.text)
        }
    }

    /// `stdin`: nil leaves standard input as a pipe the test writes with `write(_:)`.
    init(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil) throws {
        let process = Process()
        process.executableURL = ServeProcess.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "CHATCTL_PASSWORD")
        environment.removeValue(forKey: "CHATCTL_USER")
        environment["TZ"] = "UTC"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: TestPaths.temporaryDirectory())
        let out = Pipe()
        let err = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inputPipe
        try process.run()
        self.process = process
        stdout = OutputCollector(descriptor: out.fileHandleForReading.fileDescriptor, closeWhenDone: false)
        stderr = OutputCollector(descriptor: err.fileHandleForReading.fileDescriptor, closeWhenDone: false)
        if let stdin {
            inputPipe.fileHandleForWriting.write(Data(stdin.utf8))
            try inputPipe.fileHandleForWriting.close()
            input = nil
        } else {
            input = inputPipe.fileHandleForWriting
        }
        // Keep the read ends open for the collectors; Pipe closes them when deallocated.
        pipes = [out, err, inputPipe]
    }

    private let pipes: [Pipe]

    func write(_ text: String) {
        input?.write(Data(text.utf8))
    }

    func closeInput() {
        try? input?.close()
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// The exit status; kills the process if it has not ended within `limit` (a hang guard).
    func waitForExit(within limit: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                signal(SIGKILL)
                throw Failure.timedOut("exit", "stdout:\n\(stdout.text)\nstderr:\n\(stderr.text)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        return process.terminationStatus
    }
}
