import Foundation

/// A token bucket: `rate` messages a second sustained, `burst` at once.
struct RateLimiter {
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(rate: Double, burst: Int, now: ContinuousClock.Instant = .now) {
        self.rate = rate
        self.burst = Double(burst)
        tokens = Double(burst)
        last = now
    }

    mutating func allow(now: ContinuousClock.Instant = .now) -> Bool {
        let elapsed = now - last
        last = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * rate)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
