import Foundation
import Logging

/// "90s", "15m", "12h", "7d", or plain seconds.
public enum DurationParser {
    public static func seconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last else { return nil }
        let multiplier: Int64
        var digits = Substring(trimmed)
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        case "d": multiplier = 86400
        case "w": multiplier = 7 * 86400
        default: multiplier = 1; digits = Substring(trimmed + "x")
        }
        digits = digits.dropLast()
        guard let value = Int64(digits), value >= 0, value <= Int64.max / multiplier / 1000 else { return nil }
        return value * multiplier
    }
}
