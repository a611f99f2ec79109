import ArgumentParser
import ChatClient
import ChatServer
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The connection flags `tail` and `chat` share.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The chat server (default: http://HOST:PORT from the configuration). https:// uses TLS, trusting SSL_CERT_FILE when set.", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("Log in as this user (default: CHATCTL_USER, else asked on a terminal).", valueName: "login"))
    var user: String?

    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input (else CHATCTL_PASSWORD, else a prompt on a terminal).")
    var passwordStdin = false

    @OptionGroup var config: ConfigOptions

    struct Resolved {
        var endpoint: ChatEndpoint
        var login: String
        var password: String
    }

    /// Endpoint, login and password, or a one-line usage failure. `stdin` serves --password-stdin.
    func resolve(stdin: StdinLines) throws -> Resolved {
        let endpoint: ChatEndpoint
        do {
            if let url {
                endpoint = try ChatEndpoint(parsing: url)
            } else {
                let resolved = try config.loader().resolve()
                endpoint = try ChatEndpoint.fromConfiguration(host: resolved.value("HOST"), port: resolved.value("PORT"))
            }
        } catch {
            throw fail("\(error)")
        }
        let environment = ProcessInfo.processInfo.environment
        var login = user ?? environment["CHATCTL_USER"] ?? ""
        if login.isEmpty {
            guard ClientTerminal.isTerminal(STDIN_FILENO), !passwordStdin, let typed = ClientTerminal.prompt("Login for \(endpoint): ", echo: true) else {
                throw fail("no user given; pass --user LOGIN or set CHATCTL_USER")
            }
            login = typed.trimmingCharacters(in: .whitespaces)
            guard !login.isEmpty else { throw fail("no user given; pass --user LOGIN or set CHATCTL_USER") }
        }
        let password: String
        if passwordStdin {
            // On a terminal, read that line without echo.
            let line = ClientTerminal.isTerminal(STDIN_FILENO) ? ClientTerminal.prompt("", echo: false) : stdin.readLine()
            guard let line, !line.isEmpty else {
                throw fail("--password-stdin: standard input has no password line; pipe the password as the first line")
            }
            password = line
        } else if let value = environment["CHATCTL_PASSWORD"], !value.isEmpty {
            password = value
        } else if ClientTerminal.isTerminal(STDIN_FILENO) {
            guard let typed = ClientTerminal.prompt("Password for \(login) at \(endpoint): ", echo: false), !typed.isEmpty else {
                throw fail("no password given; type it at the prompt, set CHATCTL_PASSWORD or pass --password-stdin")
            }
            password = typed
        } else {
            throw fail("no password: standard input is not a terminal; set CHATCTL_PASSWORD or pass --password-stdin")
        }
        return Resolved(endpoint: endpoint, login: login, password: password)
    }
}

/// Standard input read line by line with read(2), so the password line and the message lines that
/// follow it come from one buffer and nothing is lost between them.
final class StdinLines: @unchecked Sendable {
    // Used by one thread at a time: the command's, then the reader thread it hands over to.
    private var buffer: [UInt8] = []
    private var finished = false

    /// The next line without its newline (and a trailing CR), or nil at end of input.
    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                defer { buffer = [] }
                return String(decoding: buffer, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                finished = true
            } else {
                buffer += chunk[..<count]
            }
        }
    }

    /// The remaining lines, read on a thread of their own.
    func stream() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            while let line = self.readLine() { continuation.yield(line) }
            continuation.finish()
        }
        thread.start()
        return stream
    }
}

/// Terminal details: TTY checks, prompts without echo, signals, unbuffered output.
enum ClientTerminal {
    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// Asks on the controlling terminal (falling back to stdin/stderr); nil at end of input.
    static func prompt(_ text: String, echo: Bool) -> String? {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        let input = tty >= 0 ? tty : STDIN_FILENO
        let output = tty >= 0 ? tty : STDERR_FILENO
        defer { if tty >= 0 { close(tty) } }
        writeAll(output, text)
        var original = termios()
        let changed = !echo && tcgetattr(input, &original) == 0
        if changed {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            PromptRestore.set(descriptor: input, original)
            tcsetattr(input, TCSAFLUSH, &silent)
        }
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
}

/// Puts echo back if Ctrl-C interrupts a password prompt.
enum PromptRestore {
    nonisolated(unsafe) static var descriptor: Int32 = -1
    nonisolated(unsafe) static var saved = termios()

    static func set(descriptor: Int32, _ original: termios) {
        saved = original
        self.descriptor = descriptor
        signal(SIGINT) { _ in
            if PromptRestore.descriptor >= 0 { tcsetattr(PromptRestore.descriptor, TCSAFLUSH, &PromptRestore.saved) }
            _exit(130)
        }
    }

    static func clear() {
        descriptor = -1
        signal(SIGINT, SIG_DFL)
    }
}

/// Signals handled on a queue of their own instead of killing the process.
final class SignalWatch: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "chatctl.signals")

    init(_ actions: [Int32: @Sendable () -> Void]) {
        for (number, action) in actions {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: action)
            source.resume()
            sources.append(source)
        }
    }

    /// SIGINT and SIGTERM run `action` once (a clean shutdown); a second one exits at once.
    static func shutdown(_ action: @escaping @Sendable () -> Void) -> SignalWatch {
        let count = LockedBox(0)
        let handler: @Sendable () -> Void = {
            let seen = count.withLock { value -> Int in
                value += 1
                return value
            }
            if seen > 1 { _exit(130) }
            action()
        }
        return SignalWatch([SIGINT: handler, SIGTERM: handler])
    }
}

/// Lines to standard output, written through at once (pipes see each event as it happens).
enum Output {
    static func line(_ text: String) {
        if !ClientTerminal.writeAll(STDOUT_FILENO, text + "\n") && errno == EPIPE {
            // The reader went away (`chatctl tail | head`): end as a pipeline expects, quietly.
            signal(SIGPIPE, SIG_DFL)
            raise(SIGPIPE)
            _exit(141)
        }
    }

    static func error(_ text: String) {
        ClientTerminal.writeAll(STDERR_FILENO, text + "\n")
    }
}
