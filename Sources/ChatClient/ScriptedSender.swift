import ChatModel
import Foundation
import Synchronization

/// Sends messages one at a time through a session and waits until the server acknowledges each: the
/// sender receives its own message back once it is stored, or an `error` event when it is refused.
/// Refusals that go away by waiting (too fast, server busy) are retried.
public final class ScriptedSender: Sendable {
    public enum Outcome: Sendable, Equatable {
        case stored
        /// Not stored: why, and the server's code when the server refused it (nil: the client gave up).
        case rejected(String, code: ErrorCode? = nil)
    }

    private struct Pending {
        var text: String
        var generation: Int
        var continuation: CheckedContinuation<Outcome, Never>?
        var early: Outcome?
    }

    private let session: ChatConnection
    private let login: String
    private let pending = Mutex<Pending?>(nil)
    private let generations = Mutex(0)
    /// How long after a reconnect an unacknowledged message waits for the replay before it is sent again.
    let resendAfterReconnect: Duration
    let retryDelay: Duration
    let maxRetries: Int
    /// A hang guard: a message neither echoed nor refused in this time counts as not sent.
    let acknowledgementTimeout: Duration

    public init(session: ChatConnection, login: String, resendAfterReconnect: Duration = .seconds(2),
                retryDelay: Duration = .milliseconds(500), maxRetries: Int = 40, acknowledgementTimeout: Duration = .seconds(60)) {
        self.acknowledgementTimeout = acknowledgementTimeout
        self.session = session
        self.login = login
        self.resendAfterReconnect = resendAfterReconnect
        self.retryDelay = retryDelay
        self.maxRetries = maxRetries
    }

    /// Feed every session update here.
    public func observe(_ update: ConnectionUpdate) {
        switch update {
        case .event(.message(let message), _) where message.user == login:
            resolve { $0.text == message.text ? .stored : nil }
        case .event(.error(let code, let message), _):
            resolve { _ in .rejected(message, code: code) }
        case .connected(reconnected: true):
            // The message may have been lost with the old connection: if the replay does not bring it
            // back, send it again.
            guard let generation = pending.withLock({ $0?.generation }) else { return }
            let delay = resendAfterReconnect
            Task {
                try? await Task.sleep(for: delay)
                let text = self.pending.withLock { $0?.generation == generation ? $0?.text : nil }
                if let text { self.session.send(text) }
            }
        default:
            break
        }
    }

    private func resolve(_ decide: (Pending) -> Outcome?) {
        let continuation = pending.withLock { pending -> (CheckedContinuation<Outcome, Never>, Outcome)? in
            guard let current = pending, let outcome = decide(current) else { return nil }
            guard let continuation = current.continuation else {
                pending?.early = outcome
                return nil
            }
            pending = nil
            return (continuation, outcome)
        }
        if let (continuation, outcome) = continuation { continuation.resume(returning: outcome) }
    }

    /// Sends `text` and waits for its acknowledgement; `.rejected` when the server refuses it for good
    /// or the calling task is cancelled.
    public func send(_ text: String) async -> Outcome {
        if let problem = ChatConnection.problem(sending: text) { return .rejected(problem) }
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await sendOnce(text)
            guard case .rejected(_, let code?) = outcome, code.isTemporary, attempt < maxRetries, !Task.isCancelled else {
                return outcome
            }
            try? await Task.sleep(for: retryDelay * min(attempt, 4))
        }
    }

    private func sendOnce(_ text: String) async -> Outcome {
        let generation = generations.withLock { value -> Int in
            value += 1
            return value
        }
        pending.withLock { $0 = Pending(text: text, generation: generation) }
        session.send(text)
        let limit = acknowledgementTimeout
        let guardTask = Task {
            try await Task.sleep(for: limit)
            self.resolve { $0.generation == generation ? .rejected("no acknowledgement from the server within \(limit)") : nil }
        }
        defer { guardTask.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let now = pending.withLock { pending -> Outcome? in
                    guard pending?.generation == generation else { return .rejected("cancelled") }
                    if let early = pending?.early {
                        pending = nil
                        return early
                    }
                    if Task.isCancelled {
                        pending = nil
                        return .rejected("cancelled")
                    }
                    pending?.continuation = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            resolve { $0.generation == generation ? .rejected("cancelled") : nil }
        }
    }
}
