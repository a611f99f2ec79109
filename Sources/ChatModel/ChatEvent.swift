import Foundation

/// The WebSocket protocol's server events: one JSON object per text frame (README, "HTTP and WebSocket").
/// The server encodes them, the terminal clients and the tests decode them; both through this one type.
public enum ChatEvent: Sendable, Equatable {
    case message(ChatMessage)
    case join(user: String, time: Date)
    case leave(user: String, time: Date)
    case presence(users: [String])
    case error(code: ErrorCode, message: String)

    /// The JSON text, written by hand: this runs once per broadcast on the hot path.
    public var json: String {
        var out = ""
        out.reserveCapacity(96)
        switch self {
        case .message(let message):
            out += #"{"type":"message","id":""#
            out += message.id.hex
            out += #"","user":"#
            JSONText.appendQuoted(message.user, to: &out)
            out += #","text":"#
            JSONText.appendQuoted(message.text, to: &out)
            out += #","time":""#
            out += ISO8601Millis.format(message.time)
            out += #""}"#
        case .join(let user, let time), .leave(let user, let time):
            out += #"{"type":""#
            if case .join = self { out += "join" } else { out += "leave" }
            out += #"","user":"#
            JSONText.appendQuoted(user, to: &out)
            out += #","time":""#
            out += ISO8601Millis.format(time)
            out += #""}"#
        case .presence(let users):
            out += #"{"type":"presence","users":["#
            for (index, user) in users.enumerated() {
                if index > 0 { out += "," }
                JSONText.appendQuoted(user, to: &out)
            }
            out += "]}"
        case .error(let code, let message):
            out += #"{"type":"error","code":""#
            out += code.rawValue
            out += #"","error":"#
            JSONText.appendQuoted(message, to: &out)
            out += "}"
        }
        return out
    }

    /// Decodes one text frame; nil when it is not an event of this protocol (a newer server's event types
    /// included, which a client skips). An `error` with a code this version does not know decodes as `.unknown`.
    public init?(json: String) {
        guard let value = try? JSONParser.parse(Array(json.utf8)) else { return nil }
        self.init(value)
    }

    public init?(_ value: JSONValue) {
        guard case .string(let type)? = value["type"] else { return nil }
        switch type {
        case "message":
            guard let message = ChatMessage(value) else { return nil }
            self = .message(message)
        case "join", "leave":
            guard case .string(let user)? = value["user"], case .string(let timeText)? = value["time"],
                let ms = ISO8601Millis.parse(timeText)
            else { return nil }
            let time = Date(millisecondsSince1970: ms)
            self = type == "join" ? .join(user: user, time: time) : .leave(user: user, time: time)
        case "presence":
            guard case .array(let items)? = value["users"] else { return nil }
            var users: [String] = []
            for item in items {
                guard case .string(let user) = item else { return nil }
                users.append(user)
            }
            self = .presence(users: users)
        case "error":
            guard case .string(let message)? = value["error"] else { return nil }
            var code = ErrorCode.unknown
            if case .string(let text)? = value["code"] { code = ErrorCode(rawValue: text) ?? .unknown }
            self = .error(code: code, message: message)
        default:
            return nil
        }
    }
}

extension ChatMessage {
    /// A message as the protocol writes it (`id`, `user`, `text`, `time`); `type` is not looked at, so the
    /// history API's items decode too.
    public init?(_ value: JSONValue) {
        guard case .string(let idText)? = value["id"], let id = ObjectId(hex: idText),
            case .string(let user)? = value["user"], case .string(let text)? = value["text"],
            case .string(let timeText)? = value["time"], let ms = ISO8601Millis.parse(timeText)
        else { return nil }
        self.init(id: id, user: user, text: text, time: Date(millisecondsSince1970: ms))
    }
}
