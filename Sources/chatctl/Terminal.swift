import ArgumentParser
import ChatAdmin
import ChatConfig
import ChatStorage
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Terminal I/O: TTY checks, prompts (without echo for passwords), confirmations, unbuffered writes.
enum Terminal {
    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    static func warn(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    static let maxLineBytes = 4096

    /// Asks on the controlling terminal (falling back to stdin/stderr); nil at end of input.
    static func prompt(_ text: String, echo: Bool) -> String? {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        let input = tty >= 0 ? tty : STDIN_FILENO
        let output = tty >= 0 ? tty : STDERR_FILENO
        defer { if tty >= 0 { close(tty) } }
        var original = termios()
        let changed = !echo && tcgetattr(input, &original) == 0
        if changed {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            PromptRestore.set(descriptor: input, original)
            tcsetattr(input, TCSAFLUSH, &silent)
        }
        // Echo goes off before the prompt appears, so nothing typed after the prompt is ever shown.
        writeAll(output, text)
        defer {
            if changed {
                tcsetattr(input, TCSAFLUSH, &original)
                PromptRestore.clear()
            }
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(input, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == 10 { break }
            if byte != 13 { line.append(byte) }
            // Nothing typed at a prompt is this long; stop rather than grow without bound.
            if line.count > maxLineBytes { break }
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Writes everything; false when the reader has gone (EPIPE) or another error stops it.
    @discardableResult
    static func writeAll(_ descriptor: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            bytes = bytes.dropFirst(written)
        }
        return true
    }

    /// One line of stdin (for --password-stdin): the trailing newline (and CR) removed, nothing else.
    static func readStdinLine() throws -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(STDIN_FILENO, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 || byte == 0x0A { break }
            bytes.append(byte)
            if bytes.count > maxLineBytes { throw fail("the password on stdin is too long; bcrypt uses at most 72 bytes") }
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The new password: from stdin with --password-stdin, else asked twice on the terminal.
    static func newPassword(fromStdin: Bool, for login: String) throws -> String {
        if fromStdin { return try readStdinLine() }
        guard stdinIsTTY || isatty(STDERR_FILENO) == 1 else {
            throw fail("no terminal to ask for the password on; pass --password-stdin and pipe it in")
        }
        for attempt in 1...3 {
            guard let first = prompt("Password for \(login): ", echo: false) else { break }
            do { try UserAdmin.validatePassword(first) } catch {
                warn(String(describing: error))
                continue
            }
            guard let second = prompt("Again: ", echo: false) else { break }
            if first == second { return first }
            warn("the passwords differ\(attempt < 3 ? "; try again" : "")")
        }
        throw fail("no password set; type the same password twice, or use --password-stdin")
    }

    nonisolated(unsafe) private static var pathToRemove: UnsafeMutablePointer<CChar>?

    /// On Ctrl-C or SIGTERM, removes `path` (an unfinished temporary file) before exiting 130 / 143.
    static func removeOnInterrupt(_ path: String) {
        pathToRemove = strdup(path)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { received in
                if let path = Terminal.pathToRemove { unlink(path) }
                _exit(128 + received)
            }
        }
    }

    /// Asks "question [y/N]" on the terminal.
    static func confirm(_ question: String) -> Bool {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let prompt = question + " [y/N] "
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 0x0A { bytes.append(byte) }
        let answer = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
        return answer == "y" || answer == "yes"
    }
}

/// Prints "chatctl: <message>" to stderr and exits 1: one line that says what and how to fix.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("chatctl: \(message)\n".utf8))
    return ExitCode.failure
}
