import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
