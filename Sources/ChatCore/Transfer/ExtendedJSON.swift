import Foundation

/// MongoDB Extended JSON v2 for the `messages` collection, byte for byte what `mongoexport` writes:
/// fields in stored order (`_id`, `user`, `msg`, `time`), no spaces, strings escaped as the Go driver does
/// (only `"`, `\`, control characters, U+2028 and U+2029; no HTML escaping), and
/// - relaxed (default): `{"$date":"2026-11-24T19:00:00.123Z"}` for years 1970-9999, with the fraction's
///   trailing zeros dropped (Go's `.999` layout: `…:00Z`, `…:00.5Z`), else `{"$date":{"$numberLong":"<ms>"}}`;
/// - canonical: `{"$date":{"$numberLong":"<ms>"}}` always.
public enum ExtendedJSONFormat: String, Sendable, CaseIterable {
    case relaxed
    case canonical
}

public enum ExtendedJSON {
    /// Appends one message document (without a newline).
    public static func append(_ message: ChatMessage, format: ExtendedJSONFormat, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"_id":{"$oid":""#.utf8)
        out.append(contentsOf: message.id.hex.utf8)
        out.append(contentsOf: #""},"user":"#.utf8)
        appendString(message.user, to: &out)
        out.append(contentsOf: #","msg":"#.utf8)
        appendString(message.text, to: &out)
        out.append(contentsOf: #","time":"#.utf8)
        appendDate(milliseconds: message.time.millisecondsSince1970, format: format, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    public static func document(_ message: ChatMessage, format: ExtendedJSONFormat = .relaxed) -> String {
        var out: [UInt8] = []
        append(message, format: format, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func appendDate(milliseconds ms: Int64, format: ExtendedJSONFormat, to out: inout [UInt8]) {
        if format == .relaxed, let text = relaxedDate(milliseconds: ms) {
            out.append(contentsOf: #"{"$date":""#.utf8)
            out.append(contentsOf: text.utf8)
            out.append(contentsOf: #""}"#.utf8)
        } else {
            out.append(contentsOf: #"{"$date":{"$numberLong":""#.utf8)
            out.append(contentsOf: String(ms).utf8)
            out.append(contentsOf: #""}}"#.utf8)
        }
    }

    /// Go's `2006-01-02T15:04:05.999Z07:00` in UTC, or nil outside the years 1970-9999.
    public static func relaxedDate(milliseconds ms: Int64) -> String? {
        guard ms >= 0, ms <= 253_402_300_799_999 else { return nil }
        return isoDate(milliseconds: ms)
    }

    /// ISO-8601 in UTC with the fraction's trailing zeros dropped; any year from 0 to 9999.
    public static func isoDate(milliseconds ms: Int64) -> String {
        let (days, msOfDay) = floorDivMod(ms, 86_400_000)
        let (year, month, day) = CivilDate.fromDays(days)
        let seconds = msOfDay / 1000
        let millis = Int(msOfDay % 1000)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(Int(seconds / 3600), 2) + ":" + pad(Int(seconds / 60 % 60), 2) + ":" + pad(Int(seconds % 60), 2)
        if millis != 0 {
            var fraction = pad(millis, 3)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// Escapes like the Go driver's `writeStringWithEscapes` with HTML escaping off (mongoexport's setting).
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        var utf8 = string.utf8.makeIterator()
        var pending: [UInt8] = []  // bytes of a multi-byte scalar being looked at for U+2028/2029
        while let byte = utf8.next() {
            if !pending.isEmpty || byte == 0xE2 {
                pending.append(byte)
                if pending.count < 3 { continue }
                if pending[0] == 0xE2 && pending[1] == 0x80 && (pending[2] == 0xA8 || pending[2] == 0xA9) {
                    out.append(contentsOf: Array(#"\u202"#.utf8))
                    out.append(pending[2] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9"))
                } else {
                    out.append(contentsOf: pending)
                }
                pending.removeAll(keepingCapacity: true)
                continue
            }
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: Array(#"\u00"#.utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(contentsOf: pending)
        out.append(UInt8(ascii: "\""))
    }

    public static func quoted(_ string: String) -> String {
        var out: [UInt8] = []
        appendString(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: reading dates

    /// Parses ISO-8601 / RFC 3339: `YYYY-MM-DD`, optionally `THH:MM[:SS[.fraction]]` (or a space for `T`) and a zone
    /// (`Z`, `±HH:MM`, `±HHMM`, `±HH`); no zone means UTC. The fraction is cut to milliseconds.
    public static func parseISODate(_ text: String) -> Int64? {
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

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers since 1970-01-01 (Howard Hinnant's algorithms).
enum CivilDate {
    static func toDays(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func fromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
