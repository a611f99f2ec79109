import Synchronization

/// An operation that did not finish in time.
public struct DeadlineExceeded: Error, Equatable, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// Runs `operation` and returns its result, or throws `DeadlineExceeded` once `limit` has passed, whether
/// or not the operation answers cancellation: a driver call blocked on a dead server cannot be interrupted,
/// and a caller with a deadline (a readiness probe, `chatctl check`) must not wait for it. On time-out the
/// operation is cancelled and `onTimeout` runs (it may unblock what the operation waits on, e.g. close a
/// channel); the operation finishes alone, its result dropped.
public func withDeadline<T: Sendable>(
    _ limit: Duration, onTimeout: @escaping @Sendable () -> Void = {},
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = DeadlineOutcome<T>()
    let work = Task { try await operation() }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.wait(continuation)
            let timer = Task {
                try await Task.sleep(for: limit)
                if outcome.finish(.failure(DeadlineExceeded(limit: limit))) {
                    work.cancel()
                    onTimeout()
                }
            }
            Task {
                let result = await work.result
                timer.cancel()
                outcome.finish(result)
            }
        }
    } onCancel: {
        work.cancel()
        outcome.finish(.failure(CancellationError()))
    }
}

/// The first of the operation's result, the time-out and cancellation to arrive; the others are dropped.
private final class DeadlineOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var finished = false
    }

    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// True when `result` was the first.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (first, continuation) = state.withLock { state -> (Bool, CheckedContinuation<T, any Error>?) in
            guard !state.finished else { return (false, nil) }
            state.finished = true
            guard let continuation = state.continuation else {
                state.early = result
                return (true, nil)
            }
            state.continuation = nil
            return (true, continuation)
        }
        continuation?.resume(with: result)
        return first
    }
}
