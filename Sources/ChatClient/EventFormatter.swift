import ChatModel
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
    public func line(for event: ChatEvent, now: Date = Date()) -> String? {
        switch event {
        case .message(let message):
            let user = Self.sanitize(message.user)
            let text = Self.sanitize(message.text)
            return "\(stamp(message.time, now: now)) \(paint("(\(user))", Self.userColor(user))) \(text)"
        case .join(let user, let time):
            return dim("\(clock(time, now: now)) \(Self.sanitize(user)) joined")
        case .leave(let user, let time):
            return dim("\(clock(time, now: now)) \(Self.sanitize(user)) left")
        case .presence(let users):
            let names = users.map(Self.sanitize)
            return dim("\(clock(nil, now: now)) online: \(names.isEmpty ? "nobody" : names.joined(separator: ", "))")
        case .error(_, let message):
            return paint("\(clock(nil, now: now)) error: \(Self.sanitize(message))", "31")
        }
    }

    /// A status line of the client's own (connecting, reconnected), dimmed.
    public func status(_ text: String, now: Date = Date()) -> String {
        dim("\(clock(nil, now: now)) \(text)")
    }

    private func stamp(_ time: Date?, now: Date) -> String {
        colors ? "\u{1B}[2m\(clock(time, now: now))\u{1B}[0m" : clock(time, now: now)
    }

    private func dim(_ text: String) -> String { colors ? "\u{1B}[2m\(text)\u{1B}[0m" : text }

    private func paint(_ text: String, _ code: String) -> String { colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// `[HH:MM:SS]` of `time` (now when absent) in the local time zone.
    func clock(_ time: Date?, now: Date) -> String {
        var seconds = time_t((time ?? now).timeIntervalSince1970.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "[\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))]"
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
