import Foundation
import Synchronization

/// The outcome of work done elsewhere, waited for by a thread that is not one of the concurrency pool's.
final class BlockingOutcome<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ outcome: Result<Value, any Error>) {
        result.withLock { $0 = outcome }
        done.signal()
    }

    func wait() throws -> Value {
        done.wait()
        guard let outcome = result.withLock({ $0 }) else { preconditionFailure("signalled without an outcome") }
        return try outcome.get()
    }
}
