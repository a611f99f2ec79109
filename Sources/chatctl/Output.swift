import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Lines to standard output, written through at once (pipes see each event as it happens).
enum Output {
    static func line(_ text: String) {
        if !Terminal.writeAll(STDOUT_FILENO, text + "\n") && errno == EPIPE {
            // The reader went away (`chatctl tail | head`): end as a pipeline expects, quietly.
            signal(SIGPIPE, SIG_DFL)
            raise(SIGPIPE)
            _exit(141)
        }
    }

    static func error(_ text: String) {
        Terminal.writeAll(STDERR_FILENO, text + "\n")
    }
}
