import CMongoc
import ChatModel
import Foundation

/// Finds and filters, run on the store's threads with a pooled client.
extension MongoStore {
    static func find(_ collection: OpaquePointer, _ filter: BSONDocument, _ options: BSONDocument?,
                             _ each: (OpaquePointer) throws -> Void) throws {
        let cursor = withExtendedLifetime((filter, options)) {
            // The cursor copies the filter and options, so they need only outlive this call.
            mongoc_collection_find_with_opts(collection, filter.pointer, options?.pointer, nil)
        }
        guard let cursor else {
            throw StoreError.unavailable("the driver returned no cursor")
        }
        defer { mongoc_cursor_destroy(cursor) }
        var document: OpaquePointer?
        while mongoc_cursor_next(cursor, &document) {
            if let document { try each(document) }
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) { throw MongoDriverError(error) }
    }

    /// The first match, decoded while the cursor still owns it.
    static func findOne(_ collection: OpaquePointer, _ filter: BSONDocument, collation: Bool) throws -> FoundDocument? {
        let options = BSONDocument(["limit": .int64(1)])
        if collation { options.append("collation", .document(caseInsensitive)) }
        var found: FoundDocument?
        try find(collection, filter, options) { found = FoundDocument(copying: $0) }
        return found
    }

    static func messages(_ collection: OpaquePointer, _ filter: BSONDocument, ascending: Bool, limit: Int) throws -> [ChatMessage] {
        let options = BSONDocument([
            "sort": .document(historyOrder(ascending: ascending)),
            "limit": .int64(Int64(limit)),
        ])
        var result: [ChatMessage] = []
        result.reserveCapacity(min(limit, 1000))
        try find(collection, filter, options) { result.append(try MongoDocuments.message($0)) }
        return result
    }

    /// History order, (time, _id), forwards or backwards.
    static func historyOrder(ascending: Bool) -> BSONDocument {
        let direction: Int32 = ascending ? 1 : -1
        return BSONDocument(["time": .int32(direction), "_id": .int32(direction)])
    }

    /// The time of the message a cursor names; `unknownCursor` when there is none.
    static func time(of cursor: ObjectId, _ collection: OpaquePointer) throws -> Date {
        let options = BSONDocument(["projection": .document(BSONDocument(["time": .int32(1)])), "limit": .int64(1)])
        var time: Date??
        try find(collection, BSONDocument(["_id": .oid(cursor)]), options) { document in
            time = .some(BSONReader(raw: document).find("time")?.date)
        }
        guard let found = time else { throw StoreError.unknownCursor(cursor.hex) }
        guard let date = found else { throw StoreError.corrupt("message \(cursor.hex) has no date time") }
        return date
    }

    /// Strictly before (`$lt`) or after (`$gt`) the position (time, id) in history order.
    static func keyset(_ comparison: String, time: Date, id: ObjectId) -> BSONDocument {
        BSONDocument(["$or": .array([
            .document(BSONDocument(["time": .document(BSONDocument([comparison: .date(time)]))])),
            .document(BSONDocument(["time": .date(time), "_id": .document(BSONDocument([comparison: .oid(id)]))])),
        ])])
    }

    static func filterDocument(_ filter: MessageFilter) -> BSONDocument {
        let query = BSONDocument()
        if filter.since != nil || filter.until != nil {
            let range = BSONDocument()
            if let since = filter.since { range.append("$gte", .date(since)) }
            if let until = filter.until { range.append("$lt", .date(until)) }
            query.append("time", .document(range))
        }
        if let user = filter.user { query.append("user", .string(user)) }
        return query
    }
}
