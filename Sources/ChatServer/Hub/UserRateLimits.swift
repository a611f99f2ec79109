import Synchronization

/// One token bucket per user, shared by all of the user's sockets: opening more tabs (or reconnecting) does
/// not multiply what a user may send. Buckets idle long enough to have refilled are dropped when there are
/// many, so the map stays bounded by the users active in the last minute.
final class UserRateLimits: Sendable {
    private struct Entry {
        var bucket: RateLimiter
        var lastUse: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Int
    private let pruneAbove: Int
    private let buckets = Mutex([String: Entry]())

    init(rate: Double, burst: Int, pruneAbove: Int = 10_000) {
        self.rate = rate
        self.burst = burst
        self.pruneAbove = pruneAbove
    }

    func allow(_ login: String, now: ContinuousClock.Instant = .now) -> Bool {
        buckets.withLock { buckets in
            var entry = buckets[login] ?? Entry(bucket: RateLimiter(rate: rate, burst: burst, now: now), lastUse: now)
            let allowed = entry.bucket.allow(now: now)
            entry.lastUse = now
            if buckets[login] == nil && buckets.count >= pruneAbove {
                // A bucket unused for the time it takes to refill is as good as a new one.
                let refill = Duration.seconds(Double(burst) / rate + 1)
                buckets = buckets.filter { now - $0.value.lastUse < refill }
            }
            buckets[login] = entry
            return allowed
        }
    }
}
