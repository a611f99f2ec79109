import Foundation
import Synchronization

/// Counts failures (or any event to limit, such as sign-ups) per key (a login, a client address) and, past `allowed` of them, blocks the key for a
/// back-off that doubles with each further failure up to `maximumBlock`. A success clears the key, and a key
/// left alone for `forgetAfter` is forgotten: the real owner of a login under attack waits minutes, never
/// forever. At most `capacity` keys are remembered (the oldest go first), so a flood of keys cannot grow it.
final class FailureThrottle: Sendable {
    private struct Entry {
        var failures: Int
        var blockedUntil: ContinuousClock.Instant
        var lastFailure: ContinuousClock.Instant
    }

    let allowed: Int
    let firstBlock: Duration
    let maximumBlock: Duration
    let forgetAfter: Duration
    let capacity: Int
    private let entries = Mutex([String: Entry]())

    init(allowed: Int, firstBlock: Duration = .seconds(1), maximumBlock: Duration = .seconds(300),
         forgetAfter: Duration = .seconds(900), capacity: Int = 100_000) {
        self.allowed = allowed
        self.firstBlock = firstBlock
        self.maximumBlock = maximumBlock
        self.forgetAfter = forgetAfter
        self.capacity = capacity
    }

    /// How long `key` must still wait, or nil when it may try now.
    func retryAfter(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if now - entry.lastFailure > forgetAfter {
                entries[key] = nil
                return nil
            }
            return entry.blockedUntil > now ? entry.blockedUntil - now : nil
        }
    }

    func record(_ key: String, now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            var entry = entries[key] ?? Entry(failures: 0, blockedUntil: now, lastFailure: now)
            if now - entry.lastFailure > forgetAfter { entry.failures = 0 }
            entry.failures += 1
            entry.lastFailure = now
            if entry.failures > allowed {
                let doublings = min(entry.failures - allowed - 1, 20)
                let block = min(firstBlock * (1 << doublings), maximumBlock)
                entry.blockedUntil = now + block
            }
            if entries[key] == nil && entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastFailure < $1.value.lastFailure })?.key {
                entries[oldest] = nil
            }
            entries[key] = entry
        }
    }

    func clear(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
