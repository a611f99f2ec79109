import ChatConfig
import ChatModel
import Foundation

/// `--since` / `--until` values: an ISO-8601 date or time (`2026-11-24`, `2026-11-24T19:00:00Z`,
/// `2026-11-24T20:00:00+01:00`), or an age counted back from now (`90s`, `15m`, `24h`, `7d`, `2w`).
/// Parsed once, when the command line is; `date(now:)` places an age against one clock reading.
public enum TimeSpec: Sendable, Equatable {
    case at(Date)
    case ago(seconds: Int64)

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let ms = ISO8601Millis.parse(trimmed) {
            self = .at(Date(millisecondsSince1970: ms))
        } else if let last = trimmed.last, last.isLetter, let seconds = DurationParser.seconds(trimmed) {
            self = .ago(seconds: seconds)
        } else {
            return nil
        }
    }

    public func date(now: Date) -> Date {
        switch self {
        case .at(let date): date
        case .ago(let seconds): Date(millisecondsSince1970: now.millisecondsSince1970 - seconds * 1000)
        }
    }

    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        TimeSpec(text)?.date(now: now)
    }

    public static let help = "an ISO-8601 date or time (2026-11-24, 2026-11-24T19:00:00Z) or an age like 90s, 15m, 24h, 7d, 2w"
}
