@testable import ChatServer
import Foundation
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

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
