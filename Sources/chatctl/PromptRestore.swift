import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
