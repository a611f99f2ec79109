import ArgumentParser
import ChatAdmin
import ChatConfig
import ChatServer
import ChatStorage
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Terminal I/O for the admin commands: password prompts without echo, confirmations, progress lines.
enum Terminal {
    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    static func warn(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The terminal's settings while echo is off, restored by the SIGINT handler.
    nonisolated(unsafe) private static var savedAttributes = termios()
    nonisolated(unsafe) private static var ttyDescriptor: Int32 = -1

    /// Reads a line from /dev/tty with echo off. Ctrl-C restores the terminal and exits 130.
    static func readSecret(prompt: String) throws -> String {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw ValidationError("no terminal to ask for the password on; pass --password-stdin and pipe it in")
        }
        defer { close(fd) }
        var original = termios()
        guard tcgetattr(fd, &original) == 0 else { throw ValidationError("cannot read the terminal settings; use --password-stdin") }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        silent.c_lflag |= tcflag_t(ECHONL)
        savedAttributes = original
        ttyDescriptor = fd
        signal(SIGINT) { _ in
            if Terminal.ttyDescriptor >= 0 {
                var attributes = Terminal.savedAttributes
                tcsetattr(Terminal.ttyDescriptor, TCSAFLUSH, &attributes)
                _ = write(Terminal.ttyDescriptor, "\n", 1)
            }
            _exit(130)
        }
        // Echo goes off before the prompt appears, so nothing typed after the prompt is ever shown.
        tcsetattr(fd, TCSAFLUSH, &silent)
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        defer {
            tcsetattr(fd, TCSAFLUSH, &original)
            ttyDescriptor = -1
            signal(SIGINT, SIG_DFL)
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 || byte == 0x0A { break }
            if byte == 0x0D { continue }
            bytes.append(byte)
            if bytes.count > 4096 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
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
            if bytes.count > 4096 { throw fail("the password on stdin is too long; bcrypt uses at most 72 bytes") }
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
            let first = try readSecret(prompt: "Password for \(login): ")
            do { try UserAdmin.validatePassword(first) } catch {
                warn(String(describing: error))
                continue
            }
            let second = try readSecret(prompt: "Again: ")
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

/// Progress on stderr, only when stderr is a terminal, at most five times a second; `done()` clears it.
final class ProgressPrinter {
    private var line: ProgressLine
    private let enabled: Bool
    private var lastPrint = ContinuousClock.now
    private var shown = false

    init(verb: String, total: Int?) {
        line = ProgressLine(verb: verb, total: total)
        enabled = Terminal.stderrIsTTY
    }

    func update(_ count: Int, fraction: Double? = nil) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - lastPrint >= .milliseconds(200) else { return }
        lastPrint = now
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line.render(count: count, fraction: fraction, now: now)).utf8))
        shown = true
    }

    func done() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Loads the configuration and opens the store it selects, or exits 1 with one line saying what to fix.
func openStore(_ options: ConfigOptions) async throws -> (AppConfig, any ChatStore) {
    let config: AppConfig
    do {
        config = try options.loader().load()
    } catch {
        throw fail("configuration: \(error)")
    }
    var logger = Logger(label: "chatctl")
    logger.logLevel = .error
    do {
        return (config, try await StoreFactory.open(config, logger: logger))
    } catch {
        let fix = config.usesMongo ? "start MongoDB or fix MONGO_HOST (`chatctl check` tells more)" : "check DATA_DIR (`chatctl check` tells more)"
        throw fail("cannot open the store: \(error); \(fix)")
    }
}

/// Runs `body` with the store open and closes it afterwards, whatever happens.
func withStore<T>(_ options: ConfigOptions, _ body: (AppConfig, any ChatStore) async throws -> T) async throws -> T {
    let (config, store) = try await openStore(options)
    do {
        let result = try await body(config, store)
        await store.close()
        return result
    } catch let error as AdminError {
        await store.close()
        throw fail(error.description)
    } catch let error as ExitCode {
        await store.close()
        throw error
    } catch {
        await store.close()
        throw fail("\(error); `chatctl check` tells what is wrong with the setup")
    }
}
