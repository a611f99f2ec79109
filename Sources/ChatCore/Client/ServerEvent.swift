import Foundation

/// One event the server sent (or a message from the history API), with the JSON text it came as.
public struct ServerEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case message, join, leave, presence, error, unknown
    }

    public var kind: Kind
    public var id: String?
    public var user: String?
    public var text: String?
    public var time: String?
    public var users: [String]?
    public var error: String?
    /// The server's JSON object, one line.
    public var json: String

    private struct Wire: Decodable {
        var type: String
        var id: String?
        var user: String?
        var text: String?
        var time: String?
        var users: [String]?
        var error: String?
    }

    /// Decodes one WebSocket text frame; nil when it is not a JSON object with a `type`.
    public init?(json: String) {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(json.utf8)) else { return nil }
        self.init(wire, json: json)
    }

    private init(_ wire: Wire, json: String) {
        kind = Kind(rawValue: wire.type) ?? .unknown
        id = wire.id
        user = wire.user
        text = wire.text
        time = wire.time
        users = wire.users
        error = wire.error
        self.json = json
    }

    public init(kind: Kind, id: String? = nil, user: String? = nil, text: String? = nil, time: String? = nil,
                users: [String]? = nil, error: String? = nil) {
        self.kind = kind
        self.id = id
        self.user = user
        self.text = text
        self.time = time
        self.users = users
        self.error = error
        json = ""
        json = Self.encode(self)
    }

    /// The same JSON the server writes for a message (used for history read from the API).
    static func encode(_ event: ServerEvent) -> String {
        var out = #"{"type":"# + JSONText.quoted(event.kind.rawValue)
        if let id = event.id { out += #","id":"# + JSONText.quoted(id) }
        if let user = event.user { out += #","user":"# + JSONText.quoted(user) }
        if let text = event.text { out += #","text":"# + JSONText.quoted(text) }
        if let time = event.time { out += #","time":"# + JSONText.quoted(time) }
        if let users = event.users { out += #","users":["# + users.map(JSONText.quoted).joined(separator: ",") + "]" }
        if let error = event.error { out += #","error":"# + JSONText.quoted(error) }
        return out + "}"
    }

    /// The `messages` of a `GET /api/messages` answer, newest first as the server sends them.
    static func historyPage(_ body: [UInt8]) -> [ServerEvent]? {
        struct Page: Decodable { var messages: [Wire] }
        guard let page = try? JSONDecoder().decode(Page.self, from: Data(body)) else { return nil }
        return page.messages.map { wire in
            var event = ServerEvent(wire, json: "")
            event.json = Self.encode(event)
            return event
        }
    }
}
