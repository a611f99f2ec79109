import Synchronization

/// Bounds the bcrypt work running at once: each hash costs a core for a fraction of a second, so a flood of
/// log-ins would otherwise queue honest ones behind it for seconds. `limit` run at once and `queue` more may
/// wait their turn; past that a request is turned away at once (503 with Retry-After) instead of waiting.
final class BcryptGate: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private enum Admission { case now, wait, refused }

    let limit: Int
    let queue: Int
    private let state = Mutex(State())

    init(limit: Int, queue: Int) {
        self.limit = max(1, limit)
        self.queue = max(0, queue)
    }

    /// Runs `work` when a slot is free; nil (without running it) when every slot and queue place is taken.
    func run<T: Sendable>(_ work: () async throws -> T) async rethrows -> T? {
        let admission = state.withLock { state -> Admission in
            if state.running < limit {
                state.running += 1
                return .now
            }
            return state.waiting.count < queue ? .wait : .refused
        }
        switch admission {
        case .refused:
            return nil
        case .wait:
            // The slot is handed over by `finish`: `running` already counts this caller when it resumes.
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.running < limit {
                        state.running += 1
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        case .now:
            break
        }
        defer { finish() }
        return try await work()
    }

    private func finish() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
