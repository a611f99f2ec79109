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
