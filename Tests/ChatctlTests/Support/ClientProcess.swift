@testable import ChatServer
import Foundation
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Bytes read from a descriptor on a thread of its own, kept for the test to inspect.
final class OutputCollector: Sendable {
    private let data = Mutex<[UInt8]>([])
    private let finished = Mutex(false)

    init(descriptor: Int32, closeWhenDone: Bool) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                data.withLock { $0 += buffer[..<count] }
            }
            if closeWhenDone { close(descriptor) }
            finished.withLock { $0 = true }
        }
        thread.start()
    }

    var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }
    var isFinished: Bool { finished.withLock { $0 } }

    /// Complete lines so far.
    var lines: [String] {
        let text = self.text
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the unterminated rest
        return lines
    }

    /// Waits until `condition` holds on the text so far; a hang guard, not a timing assertion.
    func wait(for what: String, within limit: Duration = .seconds(60), _ condition: (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition(text) {
            guard ContinuousClock.now < deadline else { throw ClientProcess.Failure.timedOut(what, text) }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    func waitForEnd(within limit: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + limit
        while !isFinished {
            guard ContinuousClock.now < deadline else { throw ClientProcess.Failure.timedOut("end of output", text) }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}

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

/// The built `chatctl` on a pseudo-terminal, as a person at a terminal runs it.
final class TerminalProcess: Sendable {
    let process: Process
    let screen: OutputCollector
    let master: Int32

    init(_ arguments: [String], environment extra: [String: String] = [:]) throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        var size = winsize(ws_row: 24, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw ClientProcess.Failure.system("openpty failed") }
        let process = Process()
        process.executableURL = ServeProcess.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "CHATCTL_PASSWORD")
        environment["TERM"] = "xterm"
        environment["TZ"] = "UTC"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: TestPaths.temporaryDirectory())
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = handle
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        close(slave)
        self.process = process
        self.master = master
        screen = OutputCollector(descriptor: master, closeWhenDone: true)
    }

    /// Keys as typed ("\r" is Enter).
    func type(_ keys: String) {
        PTYOutput.writeAll(master, keys)
    }

    /// What the terminal showed, escape sequences removed.
    var plainText: String { Self.stripEscapes(screen.text) }

    func wait(for needle: String, within limit: Duration = .seconds(60)) async throws {
        try await screen.wait(for: needle, within: limit) { Self.stripEscapes($0).contains(needle) }
    }

    func waitForExit(within limit: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw ClientProcess.Failure.timedOut("exit", plainText)
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        return process.terminationStatus
    }

    static func stripEscapes(_ text: String) -> String {
        var out = ""
        var iterator = text.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            if scalar == "\u{1B}" {
                guard let next = iterator.next() else { break }
                if next == "[" {
                    while let c = iterator.next(), !(0x40...0x7E).contains(c.value) {}
                }
                continue
            }
            if scalar == "\r" || scalar == "\u{07}" { continue }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

enum PTYOutput {
    static func writeAll(_ descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
