import CReadline
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The interactive line editor: GNU readline's callback interface driven by a poll() loop over stdin
/// and a wake-up pipe, so lines from the network print above the input line while the user types.
/// Everything readline touches runs on the one thread that calls `run`.
final class ReadlineChat: Sendable {
    enum Item: Sendable {
        case output(String)
        case resize
        case interrupt
        case quit
    }

    private let items = Mutex<[Item]>([])
    private let wake: (read: Int32, write: Int32)
    let prompt: String
    /// Whether the typed line is erased after Enter (the server's echo of it replaces it).
    let eraseSentLines: Bool

    nonisolated(unsafe) private static var current: ReadlineChat?
    nonisolated(unsafe) private static var onLine: (@Sendable (String) -> Void)?
    nonisolated(unsafe) private static var done = false
    nonisolated(unsafe) private static let name = UnsafePointer(strdup("chatctl"))

    init(prompt: String, eraseSentLines: Bool) {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        wake = (fds[0], fds[1])
        self.prompt = prompt
        self.eraseSentLines = eraseSentLines
    }

    /// From any thread: print `line` above the input line.
    func print(_ line: String) { post(.output(line)) }

    /// From any thread: Ctrl-C (clears a non-empty line, else leaves).
    func interrupt() { post(.interrupt) }

    /// From any thread: the terminal changed size.
    func resized() { post(.resize) }

    /// From any thread: end `run`.
    func quit() { post(.quit) }

    private func post(_ item: Item) {
        items.withLock { $0.append(item) }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    /// Runs the editor until /quit, Ctrl-D, Ctrl-C on an empty line, or `quit()`. `onLine` gets each
    /// entered line (already in the history).
    func run(onLine: @escaping @Sendable (String) -> Void) {
        Self.current = self
        Self.onLine = onLine
        Self.done = false
        chatctl_rl_configure(Self.name)
        rl_callback_handler_install(prompt, { pointer in
            guard let pointer else {
                // Ctrl-D on an empty line.
                ReadlineChat.done = true
                return
            }
            let line = String(cString: pointer)
            free(pointer)
            ReadlineChat.current?.entered(line)
        })
        var descriptors = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        while !Self.done {
            descriptors[0].revents = 0
            descriptors[1].revents = 0
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if descriptors[1].revents != 0 { drainWakeups() }
            if Self.done { break }
            if descriptors[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                rl_callback_read_char()
            }
        }
        // Leave no half-drawn prompt behind.
        rl_clear_visible_line()
        chatctl_rl_flush()
        rl_callback_handler_remove()
        Self.current = nil
        Self.onLine = nil
    }

    private func entered(_ line: String) {
        chatctl_rl_flush()
        if eraseSentLines {
            // Readline left the cursor below the entered line: take the line (all the rows it wrapped
            // onto) back off the screen; the server's echo of it replaces it.
            var rows: Int32 = 0
            var columns: Int32 = 0
            rl_get_screen_size(&rows, &columns)
            let width = prompt.count + line.count
            let used = columns > 0 ? max(1, (width + Int(columns) - 1) / Int(columns)) : 1
            Terminal.writeAll(STDOUT_FILENO, "\u{1B}[\(used)A\r\u{1B}[J")
        }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed == "/quit" || trimmed == "/exit" {
            Self.done = true
            return
        }
        if trimmed == "/help" {
            show(["/quit (or Ctrl-D) leaves; Enter sends the line; Up and Down walk the lines sent so far."])
            return
        }
        guard !trimmed.isEmpty else { return }
        add_history(line)
        Self.onLine?(line)
    }

    private func drainWakeups() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(wake.read, &buffer, buffer.count) > 0 {}
        let pending = items.withLock { items -> [Item] in
            defer { items = [] }
            return items
        }
        var lines: [String] = []
        for item in pending {
            switch item {
            case .output(let line): lines.append(line)
            case .quit: Self.done = true
            case .resize: rl_resize_terminal()
            case .interrupt:
                if chatctl_rl_end() == 0 {
                    Self.done = true
                } else {
                    // Abandon the line being typed, as a shell does.
                    chatctl_rl_discard_line()
                    rl_redisplay()
                }
            }
        }
        if !lines.isEmpty && !Self.done { show(lines) }
        if !lines.isEmpty && Self.done {
            rl_clear_visible_line()
            chatctl_rl_flush()
            Terminal.writeAll(STDOUT_FILENO, "\r" + lines.map { $0 + "\n" }.joined())
            rl_on_new_line()
        }
    }

    /// Prints lines above the prompt and redraws it with what was typed, the cursor where it was.
    private func show(_ lines: [String]) {
        rl_clear_visible_line()
        chatctl_rl_flush()
        Terminal.writeAll(STDOUT_FILENO, "\r" + lines.map { $0 + "\n" }.joined())
        rl_on_new_line()
        rl_redisplay()
    }
}
