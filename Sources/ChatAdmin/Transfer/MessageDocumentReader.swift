import ChatModel
import Crypto
import Foundation

/// Turns one Extended JSON document into a `ChatMessage`, or says exactly why it cannot.
///
/// Accepted, so that anything `mongoexport` (any version, either format) or the original app's data holds
/// comes in:
/// - `_id`: `{"$oid":"<24 hex>"}` or a bare 24-hex string; absent → an id derived from (user, msg, time), so
///   importing the same id-less file twice still changes nothing.
/// - `user`: a non-empty string of at most `maxUserBytes` UTF-8 bytes.
/// - `msg`: a non-empty string of at most MAX_MESSAGE_BYTES UTF-8 bytes.
/// - `time`: `{"$date":"<ISO-8601>"}`, `{"$date":{"$numberLong":"<ms>"}}`, `{"$date":<ms>}` (legacy strict mode)
///   or a bare ISO-8601 string.
/// - Any other field is rejected (chatctl keeps only these four, so importing it would lose data) unless
///   `ignoreUnknownFields` is set.
public struct MessageDocumentReader: Sendable {
    public static let maxUserBytes = 256

    public var maxMessageBytes: Int
    public var ignoreUnknownFields: Bool

    public init(maxMessageBytes: Int = 4096, ignoreUnknownFields: Bool = false) {
        self.maxMessageBytes = maxMessageBytes
        self.ignoreUnknownFields = ignoreUnknownFields
    }

    public struct Rejection: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
        init(_ reason: String) { self.reason = reason }
    }

    /// Parses and validates one document's bytes.
    public func message(from bytes: some Collection<UInt8>) throws(Rejection) -> ChatMessage {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw Rejection("malformed JSON: \(error)")
        }
        return try message(from: value)
    }

    public func message(from value: JSONValue) throws(Rejection) -> ChatMessage {
        guard case .object(let members) = value else { throw Rejection("expected a JSON object, found \(value.kind)") }
        var id: ObjectId?
        var user: String?
        var text: String?
        var time: Int64?
        for (key, field) in members {
            switch key {
            case "_id": id = try Self.objectId(field)
            case "user": user = try Self.string(field, name: "user", maxBytes: Self.maxUserBytes)
            case "msg": text = try Self.string(field, name: "msg", maxBytes: maxMessageBytes)
            case "time": time = try Self.date(field)
            default:
                if !ignoreUnknownFields {
                    throw Rejection("unknown field \(ExtendedJSON.quoted(String(key.prefix(64)))) (only _id, user, msg and time are kept; --ignore-unknown-fields drops others)")
                }
            }
        }
        guard let user else { throw Rejection("missing field \"user\"") }
        guard let text else { throw Rejection("missing field \"msg\"") }
        guard let time else { throw Rejection("missing field \"time\"") }
        guard time >= Self.minimumMilliseconds, time <= Self.maximumMilliseconds else {
            throw Rejection("\"time\" is out of range (more than 100,000,000 days from 1970)")
        }
        return ChatMessage(id: id ?? Self.derivedId(user: user, text: text, milliseconds: time), user: user, text: text,
                           time: Date(millisecondsSince1970: time))
    }

    /// ±100,000,000 days around 1970: the range of a JavaScript Date, which Foundation's Date holds to the millisecond.
    static let minimumMilliseconds: Int64 = -8_640_000_000_000_000
    static let maximumMilliseconds: Int64 = 8_640_000_000_000_000

    /// A stable id for a document that has none: the time's seconds, then 8 bytes of SHA-256 of the content.
    public static func derivedId(user: String, text: String, milliseconds: Int64) -> ObjectId {
        var hasher = SHA256()
        hasher.update(data: Array(user.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(text.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(String(milliseconds).utf8))
        let digest = Array(hasher.finalize())
        let seconds = UInt32(clamping: max(0, milliseconds / 1000))
        let high = UInt64(seconds) << 32 | UInt64(digest[0]) << 24 | UInt64(digest[1]) << 16 | UInt64(digest[2]) << 8 | UInt64(digest[3])
        let low = UInt32(digest[4]) << 24 | UInt32(digest[5]) << 16 | UInt32(digest[6]) << 8 | UInt32(digest[7])
        return ObjectId(high: high, low: low)
    }

    static func objectId(_ value: JSONValue) throws(Rejection) -> ObjectId {
        switch value {
        case .object(let members) where members.count == 1 && members[0].key == "$oid":
            guard case .string(let hex) = members[0].value, let id = ObjectId(hex: hex) else {
                throw Rejection("\"_id\".$oid must be 24 hexadecimal digits")
            }
            return id
        case .string(let hex):
            guard let id = ObjectId(hex: hex) else { throw Rejection("\"_id\" must be an ObjectId ({\"$oid\":\"<24 hex digits>\"})") }
            return id
        default:
            throw Rejection("\"_id\" must be an ObjectId ({\"$oid\":\"<24 hex digits>\"}), found \(value.kind)")
        }
    }

    static func string(_ value: JSONValue, name: String, maxBytes: Int) throws(Rejection) -> String {
        guard case .string(let text) = value else { throw Rejection("\"\(name)\" must be a string, found \(value.kind)") }
        guard !text.isEmpty else { throw Rejection("\"\(name)\" is empty") }
        let bytes = text.utf8.count
        guard bytes <= maxBytes else {
            throw Rejection("\"\(name)\" is \(bytes) bytes, over the limit of \(maxBytes)\(name == "msg" ? " (MAX_MESSAGE_BYTES)" : "")")
        }
        return text
    }

    static func date(_ value: JSONValue) throws(Rejection) -> Int64 {
        switch value {
        case .string(let text):
            guard let ms = ISO8601Millis.parse(text) else { throw Rejection("\"time\" is not an ISO-8601 date") }
            return ms
        case .object(let members) where members.count == 1 && members[0].key == "$date":
            switch members[0].value {
            case .string(let text):
                guard let ms = ISO8601Millis.parse(text) else { throw Rejection("\"time\".$date is not an ISO-8601 date") }
                return ms
            case .number(let text):
                guard let ms = Int64(text) else { throw Rejection("\"time\".$date must be whole milliseconds") }
                return ms
            case .object(let inner) where inner.count == 1 && inner[0].key == "$numberLong":
                guard case .string(let text) = inner[0].value, let ms = Int64(text) else {
                    throw Rejection("\"time\".$date.$numberLong must be a string of whole milliseconds")
                }
                return ms
            default:
                throw Rejection("\"time\".$date must be an ISO-8601 string or {\"$numberLong\":\"<ms>\"}")
            }
        default:
            throw Rejection("\"time\" must be a date ({\"$date\":…}), found \(value.kind)")
        }
    }
}
