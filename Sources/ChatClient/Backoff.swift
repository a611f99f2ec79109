import Foundation
import Synchronization

/// How long to wait before reconnect attempt `n` (1-based): exponential from `initial` up to `maximum`,
/// with jitter so that many clients of a restarted server do not return in lock-step.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(250), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
    }

    public func delay(attempt: Int, jitter: Double = Double.random(in: 0.5...1.0)) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let base = min(Double(initial.components.seconds) + Double(initial.components.attoseconds) / 1e18, 3600)
            * pow(2, Double(exponent))
        let cap = Double(maximum.components.seconds) + Double(maximum.components.attoseconds) / 1e18
        return .milliseconds(Int64(min(base, cap) * jitter * 1000))
    }
}
