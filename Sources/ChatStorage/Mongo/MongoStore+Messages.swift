import CMongoc
import ChatModel
import Foundation

/// The `messages` collection, in history order (time, _id).
extension MongoStore {
    public func appendMessages(_ messages: [ChatMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await withCollection("messages") { collection in try Self.append(messages, collection) }
    }

    static func append(_ messages: [ChatMessage], _ collection: OpaquePointer) throws {
        // Unordered: the server may apply the batch in parallel; ids are fresh, so nothing should clash.
        let failures = try insertMany(collection, messages)
        guard let failure = failures.first else { return }
        let failed = Set(failures.compactMap(\.index))
        // Every failure names its document, so the rest are in history: say which.
        if failed.count == failures.count {
            let stored = Set(messages.indices.filter { !failed.contains($0) }.map { messages[$0].id })
            if !stored.isEmpty { throw StoreError.partiallyStored(stored, failure.message) }
        }
        throw failure
    }

    /// On the calling thread (the message writer's own): a commit costs no hand-off to the driver's
    /// thread pool and back. `close()` waits for such calls before it destroys the client pool.
    public func appendMessagesBlocking(_ messages: [ChatMessage]) throws {
        guard !messages.isEmpty else { return }
        try withDirectCall {
            do {
                try pool.withClient { client in
                    try withCollection("messages", of: client) { collection in try Self.append(messages, collection) }
                }
            } catch let error as MongoDriverError {
                throw storeError(error)
            }
        }
    }

    public func messages(before cursor: ObjectId?, limit: Int) async throws -> [ChatMessage] {
        guard limit > 0 else { return [] }
        return try await withCollection("messages") { collection in
            var filter = BSONDocument()
            if let cursor {
                filter = Self.keyset("$lt", time: try Self.time(of: cursor, collection), id: cursor)
            }
            return try Self.messages(collection, filter, ascending: false, limit: limit)
        }
    }

    public func message(id: ObjectId) async throws -> ChatMessage? {
        try await withCollection("messages") { collection in
            try Self.findOne(collection, BSONDocument(["_id": .oid(id)]), collation: false).map { try MongoDocuments.message($0.pointer) }
        }
    }

    public func messages(after cursor: ObjectId, limit: Int) async throws -> [ChatMessage] {
        guard limit > 0 else { return [] }
        return try await withCollection("messages") { collection in
            let filter = Self.keyset("$gt", time: try Self.time(of: cursor, collection), id: cursor)
            return try Self.messages(collection, filter, ascending: true, limit: limit)
        }
    }

    public func messages(matching filter: MessageFilter, after position: ChatMessage?, limit: Int) async throws -> [ChatMessage] {
        guard limit > 0 else { return [] }
        return try await withCollection("messages") { collection in
            let query = Self.filterDocument(filter)
            if let position {
                let keyset = Self.keyset("$gt", time: position.time, id: position.id)
                query.append("$and", .array([.document(keyset)]))
            }
            return try Self.messages(collection, query, ascending: true, limit: limit)
        }
    }

    public func countMessages(matching filter: MessageFilter) async throws -> Int {
        try await withCollection("messages") { collection in
            let (query, reply) = (Self.filterDocument(filter), BSONDocument())
            var error = bson_error_t()
            let count = withExtendedLifetime((query, reply)) {
                mongoc_collection_count_documents(collection, query.pointer, nil, nil, reply.pointer, &error)
            }
            guard count >= 0 else { throw MongoDriverError(error) }
            return Int(count)
        }
    }

    public func importMessages(_ messages: [ChatMessage], mode: ImportMode) async throws -> ImportOutcome {
        guard !messages.isEmpty else { return ImportOutcome() }
        return try await withCollection("messages") { collection in
            switch mode {
            case .insert:
                // An `_id` that exists already is a write error 11000 for that document only (unordered):
                // counted as a duplicate; any other failure fails the import.
                let failures = try Self.insertMany(collection, messages)
                if let failure = failures.first(where: { !$0.isDuplicateKey }) { throw failure }
                return ImportOutcome(inserted: messages.count - failures.count, duplicates: failures.count)
            case .upsert:
                return try Self.replaceAll(collection, messages)
            }
        }
    }


    /// The indexes chatctl relies on that the database lacks, described for a person ("users.login unique,
    /// case-insensitive"); empty when all are present.
    public func missingIndexes() async throws -> [String] {
        try await withClient { client in
            var missing: [String] = []
            for collectionName in RequiredIndex.collections {
                let present = try self.indexes(client, collectionName)
                for required in RequiredIndex.all where required.collection == collectionName {
                    if !present.contains(where: required.isSatisfied(by:)) { missing.append(required.description) }
                }
            }
            return missing
        }
    }

    /// Drops the whole database: for tests, which each use a database of their own.
    func dropDatabase() async throws {
        try await withClient { client in
            guard let database = mongoc_client_get_database(client, self.database) else { return }
            defer { mongoc_database_destroy(database) }
            var error = bson_error_t()
            guard mongoc_database_drop_with_opts(database, nil, &error) else { throw MongoDriverError(error) }
        }
    }
}
