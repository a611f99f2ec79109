import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns server events into terminal lines: `[HH:MM:SS] (alice) text` in local time, join and leave dimmed,
/// colours only when asked for. Text from other users is made inert: control characters (escape
/// sequences, carriage returns, newlines) are shown as visible symbols, never sent to the terminal.
public struct EventFormatter: Sendable {
    public var colors: Bool

    public init(colors: Bool) {
        self.colors = colors
    }

    /// Colours on a terminal, unless `NO_COLOR` is set (to anything, per no-color.org).
    public static func wantsColors(isTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isTerminal else { return false }
        if let value = environment["NO_COLOR"], !value.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return true
    }

    /// The line for `event` (without a newline), or nil for events a reader does not need to see.
    public func line(for event: ServerEvent, now: Date = Date()) -> String? {
        switch event.kind {
        case .message:
            let user = Self.sanitize(event.user ?? "?")
            let text = Self.sanitize(event.text ?? "")
            return "\(stamp(event.time, now: now)) \(paint("(\(user))", Self.userColor(user))) \(text)"
        case .join:
            return dim("\(clock(event.time, now: now)) \(Self.sanitize(event.user ?? "?")) joined")
        case .leave:
            return dim("\(clock(event.time, now: now)) \(Self.sanitize(event.user ?? "?")) left")
        case .presence:
            let users = (event.users ?? []).map(Self.sanitize)
            return dim("\(clock(nil, now: now)) online: \(users.isEmpty ? "nobody" : users.joined(separator: ", "))")
        case .error:
            return paint("\(clock(nil, now: now)) error: \(Self.sanitize(event.error ?? "unknown"))", "31")
        case .unknown:
            return nil
        }
    }

    /// A status line of the client's own (connecting, reconnected), dimmed.
    public func status(_ text: String, now: Date = Date()) -> String {
        dim("\(clock(nil, now: now)) \(text)")
    }

    private func stamp(_ iso: String?, now: Date) -> String {
        colors ? "\u{1B}[2m\(clock(iso, now: now))\u{1B}[0m" : clock(iso, now: now)
    }

    private func dim(_ text: String) -> String { colors ? "\u{1B}[2m\(text)\u{1B}[0m" : text }

    private func paint(_ text: String, _ code: String) -> String { colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// `[HH:MM:SS]` of an ISO-8601 UTC time in the local time zone (now when absent or unreadable).
    func clock(_ iso: String?, now: Date) -> String {
        var seconds = time_t(iso.flatMap(Self.parseISO) ?? now.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "[\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))]"
    }

    /// Seconds since 1970 of `2026-11-24T19:00:00.123Z` (fraction dropped).
    static func parseISO(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int32? {
            var value: Int32 = 0
            for byte in bytes[from..<from + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int32(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Double(timegm(&parts))
    }

    /// One of six colours, the same for a login every time.
    static func userColor(_ user: String) -> String {
        var hash: UInt32 = 2166136261
        for byte in user.utf8 { hash = (hash ^ UInt32(byte)) &* 16777619 }
        return "1;\(31 + hash % 6)"
    }

    /// Control characters become visible symbols (U+2400…), so text cannot move the cursor, clear the
    /// screen or fake a line from someone else.
    public static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: out.append(" ")
            case 0x00..<0x20: out.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: out.append("\u{2421}")
            case 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069: out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F..<0xA0, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
