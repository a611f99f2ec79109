import CMongoc
import Foundation

// BSON <-> Swift for the Mongo store: the only file that builds or reads bson_t.
// Documents are built with the plain bson_append_* functions (the BCON_/BSON_APPEND_ macros do not
// import into Swift) and read with bson_iter_t; nothing goes through JSON.

/// A value to append to a document; enough for the store's documents, filters, options and commands.
indirect enum BSONValue {
    case oid(ObjectId)
    case string(String)
    case date(Date)
    case int32(Int32)
    case int64(Int64)
    case bool(Bool)
    case document(BSONDocument)
    case array([BSONValue])
}

/// One heap-allocated `bson_t`, freed in deinit so that every path frees it. libbson declares `bson_t`
/// 128-byte aligned, which Swift cannot import, so it is allocated by a C helper and held as an opaque pointer.
final class BSONDocument {
    let pointer: OpaquePointer

    init() {
        guard let document = chatctl_bson_alloc() else { fatalError("out of memory allocating a bson_t") }
        pointer = document
    }

    convenience init(_ pairs: KeyValuePairs<String, BSONValue>) {
        self.init()
        for (key, value) in pairs { append(key, value) }
    }

    deinit { chatctl_bson_free(pointer) }

    /// The pointer, for a C call made inside `body`. Swift may free an object right after its last use, so a
    /// pointer read from a document that is not used afterwards could dangle before the C call even runs:
    /// every use of the pointer goes through here (or through `withExtendedLifetime` at the call site).
    func withPointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(pointer) }
    }

    /// Appending fails only past libbson's 2 GiB document limit, far beyond the server's 16 MiB:
    /// the server rejects oversized documents with a clear error, so the result is not checked here.
    func append(_ key: String, _ value: BSONValue) {
        switch value {
        case .oid(let id):
            var oid = id.bsonOID
            _ = bson_append_oid(pointer, key, -1, &oid)
        case .string(let text):
            // The explicit length keeps embedded NULs.
            _ = text.withCString { bson_append_utf8(pointer, key, -1, $0, Int32(clamping: text.utf8.count)) }
        case .date(let date):
            _ = bson_append_date_time(pointer, key, -1, date.millisecondsSince1970)
        case .int32(let number):
            _ = bson_append_int32(pointer, key, -1, number)
        case .int64(let number):
            _ = bson_append_int64(pointer, key, -1, number)
        case .bool(let flag):
            _ = bson_append_bool(pointer, key, -1, flag)
        case .document(let child):
            _ = child.withPointer { bson_append_document(pointer, key, -1, $0) }
        case .array(let items):
            let child = BSONDocument()
            for (index, item) in items.enumerated() { child.append(String(index), item) }
            _ = child.withPointer { bson_append_array(pointer, key, -1, $0) }
        }
    }
}

// MARK: ObjectId

extension ObjectId {
    init(_ oid: bson_oid_t) {
        var high: UInt64 = 0
        var low: UInt32 = 0
        withUnsafeBytes(of: oid.bytes) { bytes in
            for (index, byte) in bytes.enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt32(byte) }
            }
        }
        self.init(high: high, low: low)
    }

    var bsonOID: bson_oid_t {
        var oid = bson_oid_t()
        let source = bytes
        withUnsafeMutableBytes(of: &oid.bytes) { target in
            for index in 0..<min(target.count, source.count) { target[index] = source[index] }
        }
        return oid
    }
}

// MARK: reading

/// A heap `bson_iter_t` (128-byte aligned, so Swift cannot hold one itself), freed in deinit.
final class BSONIterator {
    let raw: OpaquePointer

    init() {
        guard let iterator = chatctl_bson_iter_alloc() else { fatalError("out of memory allocating a bson_iter_t") }
        raw = iterator
    }

    deinit { chatctl_bson_iter_free(raw) }

    var key: String { String(cString: bson_iter_key(raw)) }
    var type: bson_type_t { bson_iter_type(raw) }

    /// A number of any BSON numeric type, or nil when not a number.
    var int64: Int64? {
        switch type {
        case BSON_TYPE_INT32, BSON_TYPE_INT64, BSON_TYPE_DOUBLE, BSON_TYPE_BOOL: bson_iter_as_int64(raw)
        default: nil
        }
    }

    var string: String? {
        guard type == BSON_TYPE_UTF8 else { return nil }
        var length: UInt32 = 0
        guard let bytes = bson_iter_utf8(raw, &length) else { return nil }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
        }
    }

    var objectId: ObjectId? {
        guard type == BSON_TYPE_OID, let oid = bson_iter_oid(raw) else { return nil }
        return ObjectId(oid.pointee)
    }

    var date: Date? {
        guard type == BSON_TYPE_DATE_TIME else { return nil }
        return Date(millisecondsSince1970: bson_iter_date_time(raw))
    }

    /// Calls `body` with each element of the array or sub-document this iterator is on.
    func forEachChild(_ body: (BSONIterator) throws -> Void) rethrows {
        guard type == BSON_TYPE_ARRAY || type == BSON_TYPE_DOCUMENT else { return }
        let child = BSONIterator()
        try withExtendedLifetime(child) {
            guard bson_iter_recurse(raw, child.raw) else { return }
            while bson_iter_next(child.raw) { try body(child) }
        }
    }
}

/// Typed reads of one borrowed document (a cursor's current document or a reply): its owner must outlive the reader.
struct BSONReader {
    let raw: OpaquePointer

    /// Calls `body` with an iterator on each top-level field in turn.
    func forEach(_ body: (BSONIterator) throws -> Void) rethrows {
        let iterator = BSONIterator()
        try withExtendedLifetime(iterator) {
            guard bson_iter_init(iterator.raw, raw) else { return }
            while bson_iter_next(iterator.raw) { try body(iterator) }
        }
    }

    /// An iterator on the field `key`, or nil when the document has no such field.
    func find(_ key: String) -> BSONIterator? {
        let iterator = BSONIterator()
        return bson_iter_init_find(iterator.raw, raw, key) ? iterator : nil
    }

    func int64(_ key: String) -> Int64? { find(key)?.int64 }
    func string(_ key: String) -> String? { find(key)?.string }
}

// MARK: the store's documents

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

/// A copy of a cursor's document: the cursor's own is only valid until the next call on it.
final class FoundDocument {
    let pointer: OpaquePointer

    /// bson_copy allocates a non-static bson_t, which bson_destroy frees whole.
    init?(copying source: OpaquePointer) {
        guard let copy = bson_copy(source) else { return nil }
        pointer = copy
    }

    deinit { bson_destroy(pointer) }
}

extension MongoDocuments {
    static func user(_ found: FoundDocument) throws -> UserRecord { try user(found.pointer) }
}
