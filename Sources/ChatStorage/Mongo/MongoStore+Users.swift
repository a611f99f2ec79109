import CMongoc
import ChatModel
import Foundation

/// The `users` collection: logins and emails unique without regard to case, as the indexes enforce.
extension MongoStore {
    public func createUser(_ user: UserRecord) async throws {
        try await withCollection("users") { users in
            // Checked first so that a login clash is reported as such even when the email clashes too.
            if try Self.findOne(users, BSONDocument(["login": .string(user.login)]), collation: true) != nil {
                throw StoreError.loginTaken(user.login)
            }
            let (document, reply) = (MongoDocuments.document(user), BSONDocument())
            var error = bson_error_t()
            let ok = withExtendedLifetime((document, reply)) {
                mongoc_collection_insert_one(users, document.pointer, nil, reply.pointer, &error)
            }
            guard ok else {
                let failure = MongoDriverError(error)
                guard failure.isDuplicateKey else { throw failure }
                if let index = failure.duplicateIndexName {
                    if index.hasPrefix("email") { throw StoreError.emailTaken(user.email) }
                    if index.hasPrefix("login") { throw StoreError.loginTaken(user.login) }
                }
                if failure.message.contains("email") { throw StoreError.emailTaken(user.email) }
                throw StoreError.loginTaken(user.login)
            }
        }
    }

    public func user(id: ObjectId) async throws -> UserRecord? {
        try await withCollection("users") { users in
            try Self.findOne(users, BSONDocument(["_id": .oid(id)]), collation: false).map(MongoDocuments.user)
        }
    }

    public func user(login: String) async throws -> UserRecord? {
        try await withCollection("users") { users in
            try Self.findOne(users, BSONDocument(["login": .string(login)]), collation: true).map(MongoDocuments.user)
        }
    }

    public func allUsers() async throws -> [UserRecord] {
        try await withCollection("users") { users in
            var result: [UserRecord] = []
            let options = BSONDocument(["sort": .document(BSONDocument(["login": .int32(1)])), "collation": .document(Self.caseInsensitive)])
            try Self.find(users, BSONDocument(), options) { result.append(try MongoDocuments.user($0)) }
            return result
        }
    }

    public func setPassword(userID: ObjectId, password: String) async throws -> Bool {
        try await withCollection("users") { users in
            let selector = BSONDocument(["_id": .oid(userID)])
            let update = BSONDocument(["$set": .document(BSONDocument(["password": .string(password)]))])
            let reply = BSONDocument()
            var error = bson_error_t()
            return try withExtendedLifetime((selector, update, reply)) {
                guard mongoc_collection_update_one(users, selector.pointer, update.pointer, nil, reply.pointer, &error) else {
                    throw MongoDriverError(error)
                }
                return (BSONReader(raw: reply.pointer).int64("matchedCount") ?? 0) > 0
            }
        }
    }

    public func removeUser(login: String) async throws -> Bool {
        try await withCollection("users") { users in
            let selector = BSONDocument(["login": .string(login)])
            let options = BSONDocument(["collation": .document(Self.caseInsensitive)])
            let reply = BSONDocument()
            var error = bson_error_t()
            return try withExtendedLifetime((selector, options, reply)) {
                guard mongoc_collection_delete_one(users, selector.pointer, options.pointer, reply.pointer, &error) else {
                    throw MongoDriverError(error)
                }
                return (BSONReader(raw: reply.pointer).int64("deletedCount") ?? 0) > 0
            }
        }
    }
}
