import ChatModel
import ChatConfig
import Foundation

/// `--since` / `--until` values: an ISO-8601 date or time (`2026-11-24`, `2026-11-24T19:00:00Z`,
/// `2026-11-24T20:00:00+01:00`), or an age counted back from now (`90s`, `15m`, `24h`, `7d`, `2w`).
public enum TimeSpec {
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let ms = ISO8601Millis.parse(trimmed) { return Date(millisecondsSince1970: ms) }
        if let last = trimmed.last, last.isLetter, let seconds = DurationParser.seconds(trimmed) {
            return Date(millisecondsSince1970: now.millisecondsSince1970 - seconds * 1000)
        }
        return nil
    }

    public static let help = "an ISO-8601 date or time (2026-11-24, 2026-11-24T19:00:00Z) or an age like 90s, 15m, 24h, 7d, 2w"
}
