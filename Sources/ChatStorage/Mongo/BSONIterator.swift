import CMongoc
import ChatModel
import Foundation

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
