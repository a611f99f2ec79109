import CMongoc
import ChatModel
import Foundation

/// The `sessions` collection (see `MongoDocuments`): one document per log-in, found by `_id` on every request,
/// by `userId` for `chatctl user sessions`, and by `ended` and `expires` for the revocation poll of every
/// instance (indexes in `RequiredIndex`).
extension MongoStore {
    public func createSession(_ session: SessionRecord) async throws {
        try await withCollection("sessions") { sessions in
            let (document, reply) = (MongoDocuments.document(session), BSONDocument())
            var error = bson_error_t()
            let ok = withExtendedLifetime((document, reply)) {
                mongoc_collection_insert_one(sessions, document.pointer, nil, reply.pointer, &error)
            }
            guard ok else { throw MongoDriverError(error) }
        }
    }

    public func session(id: SessionID) async throws -> SessionRecord? {
        try await withCollection("sessions") { sessions in
            try Self.findOne(sessions, BSONDocument(["_id": .string(id.hex)]), collation: false).map { try MongoDocuments.session($0.pointer) }
        }
    }

    public func touchSession(id: SessionID, at time: Date) async throws {
        _ = try await update(many: false) {
            (BSONDocument(["_id": .string(id.hex), "lastSeen": .document(BSONDocument(["$lt": .date(time)]))]),
             BSONDocument(["lastSeen": .date(time)]))
        }
    }

    public func sessions(userID: ObjectId) async throws -> [SessionRecord] {
        try await withCollection("sessions") { sessions in
            var result: [SessionRecord] = []
            let options = BSONDocument(["sort": .document(BSONDocument(["created": .int32(-1), "_id": .int32(-1)]))])
            try Self.find(sessions, BSONDocument(["userId": .oid(userID)]), options) { result.append(try MongoDocuments.session($0)) }
            return result
        }
    }

    public func endSession(id: SessionID, at time: Date) async throws -> Bool {
        try await update(many: false) {
            (BSONDocument(["_id": .string(id.hex), "ended": .document(BSONDocument(["$exists": .bool(false)]))]),
             BSONDocument(["ended": .date(time)]))
        } > 0
    }

    public func endSessions(userID: ObjectId, at time: Date) async throws -> Int {
        try await update(many: true) {
            (BSONDocument([
                "userId": .oid(userID),
                "ended": .document(BSONDocument(["$exists": .bool(false)])),
                "expires": .document(BSONDocument(["$gt": .date(time)])),
             ]),
             BSONDocument(["ended": .date(time)]))
        }
    }

    public func sessionsEnded(since: Date, now: Date) async throws -> [SessionRecord] {
        try await withCollection("sessions") { sessions in
            // Two queries rather than one `$or`, so that each uses its own index whatever the planner makes of `$or`.
            var result: [SessionRecord] = []
            let ended = BSONDocument(["ended": .document(BSONDocument(["$gte": .date(since)]))])
            try Self.find(sessions, ended, nil) { result.append(try MongoDocuments.session($0)) }
            let expired = BSONDocument([
                "expires": .document(BSONDocument(["$gte": .date(since), "$lte": .date(now)])),
                "ended": .document(BSONDocument(["$exists": .bool(false)])),
            ])
            try Self.find(sessions, expired, nil) { result.append(try MongoDocuments.session($0)) }
            return result
        }
    }

    public func purgeSessions(expiredBefore cutoff: Date) async throws -> Int {
        try await withCollection("sessions") { sessions in
            let (selector, reply) = (BSONDocument(["expires": .document(BSONDocument(["$lt": .date(cutoff)]))]), BSONDocument())
            var error = bson_error_t()
            return try withExtendedLifetime((selector, reply)) {
                guard mongoc_collection_delete_many(sessions, selector.pointer, nil, reply.pointer, &error) else {
                    throw MongoDriverError(error)
                }
                return Int(BSONReader(raw: reply.pointer).int64("deletedCount") ?? 0)
            }
        }
    }

    /// `$set`s the fields on the first (or every) session matching the selector, both made by `documents` on the
    /// store's thread; returns how many were modified.
    private func update(many: Bool, _ documents: @escaping @Sendable () -> (selector: BSONDocument, fields: BSONDocument)) async throws -> Int {
        try await withCollection("sessions") { collection in
            let (selector, fields) = documents()
            let (update, reply) = (BSONDocument(["$set": .document(fields)]), BSONDocument())
            var error = bson_error_t()
            return try withExtendedLifetime((selector, update, reply)) {
                let ok = many
                    ? mongoc_collection_update_many(collection, selector.pointer, update.pointer, nil, reply.pointer, &error)
                    : mongoc_collection_update_one(collection, selector.pointer, update.pointer, nil, reply.pointer, &error)
                guard ok else { throw MongoDriverError(error) }
                return Int(BSONReader(raw: reply.pointer).int64("modifiedCount") ?? 0)
            }
        }
    }
}
