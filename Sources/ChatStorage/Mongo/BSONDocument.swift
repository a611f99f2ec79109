import CMongoc
import Foundation

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
