import CMongoc
import ChatModel
import Foundation

/// Bulk inserts and replacements, and what a bulk reply says failed.
extension MongoStore {
    /// One unordered insert_many; returns the per-document write errors (empty when all were stored).
    /// Anything that is not a per-document error (network, write concern) is thrown.
    static func insertMany(_ collection: OpaquePointer, _ messages: [ChatMessage]) throws -> [MongoDriverError] {
        let documents = messages.map(MongoDocuments.document)
        var pointers: [OpaquePointer?] = documents.map { $0.pointer }
        let options = BSONDocument(["ordered": .bool(false)])
        let reply = BSONDocument()
        var error = bson_error_t()
        return try withExtendedLifetime((documents, options, reply)) {
            let ok = pointers.withUnsafeMutableBufferPointer { buffer in
                mongoc_collection_insert_many(collection, buffer.baseAddress, buffer.count, options.pointer, reply.pointer, &error)
            }
            if ok { return [] }
            let failure = MongoDriverError(error)
            let writeErrors = Self.writeErrors(reply.pointer)
            // No per-document errors means the batch as a whole failed; so does a write-concern error.
            if writeErrors.isEmpty || Self.hasWriteConcernErrors(reply.pointer) { throw failure }
            return writeErrors
        }
    }

    static func replaceAll(_ collection: OpaquePointer, _ messages: [ChatMessage]) throws -> ImportOutcome {
        let bulkOptions = BSONDocument(["ordered": .bool(false)])
        let created = bulkOptions.withPointer { mongoc_collection_create_bulk_operation_with_opts(collection, $0) }
        guard let bulk = created else {
            throw StoreError.unavailable("the driver returned no bulk operation")
        }
        defer { mongoc_bulk_operation_destroy(bulk) }
        let upsert = BSONDocument(["upsert": .bool(true)])
        var error = bson_error_t()
        for message in messages {
            // The bulk operation copies selector and replacement, so they need only outlive this call.
            let (selector, replacement) = (BSONDocument(["_id": .oid(message.id)]), MongoDocuments.document(message))
            let ok = withExtendedLifetime((selector, replacement, upsert)) {
                mongoc_bulk_operation_replace_one_with_opts(bulk, selector.pointer, replacement.pointer, upsert.pointer, &error)
            }
            guard ok else { throw MongoDriverError(error) }
        }
        let reply = BSONDocument()
        return try withExtendedLifetime(reply) {
            guard mongoc_bulk_operation_execute(bulk, reply.pointer, &error) != 0 else { throw MongoDriverError(error) }
            let read = BSONReader(raw: reply.pointer)
            return ImportOutcome(inserted: Int(read.int64("nUpserted") ?? 0), duplicates: 0, replaced: Int(read.int64("nMatched") ?? 0))
        }
    }

    static func writeErrors(_ reply: OpaquePointer) -> [MongoDriverError] {
        var result: [MongoDriverError] = []
        guard let writeErrors = BSONReader(raw: reply).find("writeErrors") else { return [] }
        writeErrors.forEachChild { element in
            var code: Int64 = 0
            var message = ""
            var index: Int?
            element.forEachChild { field in
                switch field.key {
                case "code": code = field.int64 ?? 0
                case "errmsg": message = field.string ?? ""
                case "index": index = field.int64.map { Int(clamping: $0) }
                default: break
                }
            }
            var error = MongoDriverError(domain: MONGOC_ERROR_SERVER.rawValue, code: UInt32(clamping: code), message: message)
            error.index = index
            result.append(error)
        }
        return result
    }

    static func hasWriteConcernErrors(_ reply: OpaquePointer) -> Bool {
        guard let errors = BSONReader(raw: reply).find("writeConcernErrors") else { return false }
        var any = false
        errors.forEachChild { _ in any = true }
        return any
    }

    static func hostList(_ uri: OpaquePointer) -> String {
        if let srv = mongoc_uri_get_srv_hostname(uri) { return String(cString: srv) }
        var names: [String] = []
        var node = mongoc_uri_get_hosts(uri)
        while let current = node {
            names.append(withUnsafeBytes(of: current.pointee.host_and_port) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) })
            node = UnsafePointer(current.pointee.next)
        }
        return names.isEmpty ? "(no hosts)" : names.joined(separator: ",")
    }
}
