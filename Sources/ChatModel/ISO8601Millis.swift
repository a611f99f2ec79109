import Foundation

/// ISO-8601 times: `2026-11-24T19:00:00.123Z` written without Foundation's formatter cost (it runs per broadcast),
/// and the one parser for every ISO-8601 time chatctl reads (frames, import files, `--since`).
public enum ISO8601Millis {
    public static func format(_ date: Date) -> String {
        let ms = date.millisecondsSince1970
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = Int(ms - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    /// Parses ISO-8601 / RFC 3339: `YYYY-MM-DD`, optionally `THH:MM[:SS[.fraction]]` (or a space for `T`) and a zone
    /// (`Z`, `±HH:MM`, `±HHMM`, `±HH`); no zone means UTC. The fraction is cut to milliseconds.
    /// Returns milliseconds since 1970, or nil for anything else.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var value = 0
            for k in 0..<count {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            i += count
            return value
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == UInt8(ascii: c.unicodeScalars.first!) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0, millis = 0, offsetMinutes = 0
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return nil }
            i += 1
            guard let h = digits(2), expect(":"), let m = digits(2), h < 24, m < 60 else { return nil }
            hour = h
            minute = m
            if expect(":") {
                guard let s = digits(2), s < 60 else { return nil }
                second = s
                if i < b.count && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
                    i += 1
                    var count = 0
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        if count < 3 { millis = millis * 10 + Int(b[i] - 48) }
                        count += 1
                        i += 1
                    }
                    guard count > 0 else { return nil }
                    for _ in count..<max(count, 3) { millis *= 10 }
                }
            }
            if i < b.count {
                if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                    i += 1
                } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                    let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = digits(2), oh < 24 else { return nil }
                    var om = 0
                    if i < b.count {
                        _ = expect(":")
                        guard let value = digits(2), value < 60 else { return nil }
                        om = value
                    }
                    offsetMinutes = sign * (oh * 60 + om)
                } else {
                    return nil
                }
            }
        }
        guard i == b.count else { return nil }
        let days = CivilDate.toDays(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }
}
