import CMongoc
import ChatModel
import Foundation

/// The collections' document shapes, as the original aiohttp app wrote them:
/// `messages {_id: ObjectId, user, msg, time: Date}` and `users {_id, login, email, password}` (+ `created`).
enum MongoDocuments {
    static func document(_ message: ChatMessage) -> BSONDocument {
        BSONDocument([
            "_id": .oid(message.id),
            "user": .string(message.user),
            "msg": .string(message.text),
            "time": .date(message.time),
        ])
    }

    static func message(_ raw: OpaquePointer) throws -> ChatMessage {
        var id: ObjectId?
        var user: String?
        var text: String?
        var time: Date?
        BSONReader(raw: raw).forEach { field in
            switch field.key {
            case "_id": id = field.objectId
            case "user": user = field.string
            case "msg": text = field.string
            case "time": time = field.date
            default: break
            }
        }
        guard let id else { throw StoreError.corrupt("a message without an ObjectId _id") }
        guard let user, let text, let time else {
            throw StoreError.corrupt("message \(id.hex) lacks a string user, a string msg or a date time")
        }
        return ChatMessage(id: id, user: user, text: text, time: time)
    }

    static func document(_ user: UserRecord) -> BSONDocument {
        let document = BSONDocument([
            "_id": .oid(user.id),
            "login": .string(user.login),
            "email": .string(user.email),
            "password": .string(user.password),
        ])
        if let created = user.created { document.append("created", .date(created)) }
        return document
    }

    /// Users written by the original app have no `created`; a missing email reads as empty rather than
    /// hiding the account from `user list`.
    static func user(_ raw: OpaquePointer) throws -> UserRecord {
        var id: ObjectId?
        var login: String?
        var email: String?
        var password: String?
        var created: Date?
        BSONReader(raw: raw).forEach { field in
            switch field.key {
            case "_id": id = field.objectId
            case "login": login = field.string
            case "email": email = field.string
            case "password": password = field.string
            case "created": created = field.date
            default: break
            }
        }
        guard let id else { throw StoreError.corrupt("a user without an ObjectId _id") }
        guard let login else { throw StoreError.corrupt("user \(id.hex) has no string login") }
        return UserRecord(id: id, login: login, email: email ?? "", password: password ?? "", created: created)
    }
}

extension MongoDocuments {
    static func user(_ found: FoundDocument) throws -> UserRecord { try user(found.pointer) }
}

/// chatctl's own `sessions {_id: "<32 hex>", userId: ObjectId, created, lastSeen, address, userAgent, expires[, ended]}`:
/// `ended` is absent until the session is ended.
extension MongoDocuments {
    static func document(_ session: SessionRecord) -> BSONDocument {
        let document = BSONDocument([
            "_id": .string(session.id.hex),
            "userId": .oid(session.userID),
            "created": .date(session.created),
            "lastSeen": .date(session.lastSeen),
            "address": .string(session.address),
            "userAgent": .string(session.userAgent),
            "expires": .date(session.expires),
        ])
        if let ended = session.ended { document.append("ended", .date(ended)) }
        return document
    }

    static func session(_ raw: OpaquePointer) throws -> SessionRecord {
        var id: SessionID?
        var userID: ObjectId?
        var created: Date?
        var lastSeen: Date?
        var address = ""
        var userAgent = ""
        var expires: Date?
        var ended: Date?
        BSONReader(raw: raw).forEach { field in
            switch field.key {
            case "_id": id = field.string.flatMap { SessionID(hex: $0) }
            case "userId": userID = field.objectId
            case "created": created = field.date
            case "lastSeen": lastSeen = field.date
            case "address": address = field.string ?? ""
            case "userAgent": userAgent = field.string ?? ""
            case "expires": expires = field.date
            case "ended": ended = field.date
            default: break
            }
        }
        guard let id else { throw StoreError.corrupt("a session whose _id is not 32 hex digits") }
        guard let userID, let created, let expires else {
            throw StoreError.corrupt("session \(id.hex) lacks an ObjectId userId, a date created or a date expires")
        }
        return SessionRecord(id: id, userID: userID, created: created, lastSeen: lastSeen ?? created, address: address,
                             userAgent: userAgent, expires: expires, ended: ended)
    }
}
