import Foundation

/// A one-line progress report for a terminal: count, rate and, when the total is known, percent and ETA.
public struct ProgressLine: Sendable {
    public var verb: String
    public var total: Int?
    public let start: ContinuousClock.Instant

    public init(verb: String, total: Int?, start: ContinuousClock.Instant = .now) {
        self.verb = verb
        self.total = total
        self.start = start
    }

    /// `fraction`: how much of the input is done (bytes read / file size) when the count of items is unknown.
    public func render(count: Int, fraction: Double? = nil, now: ContinuousClock.Instant = .now) -> String {
        let elapsed = max(0.001, Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds))
        let rate = Double(count) / elapsed
        var text = "\(verb) \(count)"
        if let total, total > 0 {
            text += " of \(total) (\(min(100, count * 100 / total))%)"
        } else if let fraction, fraction > 0 {
            text += " (\(min(100, Int(fraction * 100)))%)"
        }
        text += String(format: ", %.0f/s", rate)
        if let total, total > count, rate > 0 {
            text += ", ETA " + Self.duration(Double(total - count) / rate)
        } else if total == nil, let fraction, fraction > 0.001, fraction < 1 {
            text += ", ETA " + Self.duration(elapsed * (1 - fraction) / fraction)
        }
        return text
    }

    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m"
    }
}

// MARK: export
