import Foundation
import Synchronization

/// Messages waiting to be written to whichever connection is current. Unlike `AsyncStream`, a
/// cancelled `next()` (the connection ended) leaves the queue open for the next connection.
final class Outbox: Sendable {
    private struct State {
        var items: [String] = []
        var waiter: CheckedContinuation<String?, Never>?
    }

    private let state = Mutex(State())

    func push(_ text: String) {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items.append(text)
            return nil
        }
        waiter?.resume(returning: text)
    }

    /// Puts back a message a dead connection could not write.
    func pushFront(_ text: String) {
        state.withLock { $0.items.insert(text, at: 0) }
    }

    /// The next message, or nil when the calling task is cancelled.
    func next() async -> String? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let immediate: String?? = state.withLock { state in
                    if !state.items.isEmpty { return .some(state.items.removeFirst()) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
