import CMongoc
import ChatModel
import Foundation
import Logging
import NIOPosix
import Synchronization

/// The MongoDB store, through libmongoc, over the original aiohttp app's collections:
/// `users {_id, login, email, password[, created]}` and `messages {_id, user, msg, time}`.
///
/// Every driver call blocks, so each operation runs on a dedicated `NIOThreadPool` (never on the caller's
/// executor or an event loop) with a client popped from one `mongoc_client_pool_t` and pushed back on every path.
/// Write concern and read preference are whatever the URI says: libmongoc applies them to every client.
public final class MongoStore: ChatStore {
    public let database: String
    /// The URI's host list, safe to log: never the credentials.
    public let hosts: String
    let uriInfo: MongoURIInfo
    let pool: MongoClientPool
    private let threadPool: NIOThreadPool
    let logger: Logger
    private let closed = Mutex(false)
    /// Change-stream followers (MongoFeed.swift): each holds a pooled client on a thread of its own, so
    /// close() stops them and waits before it destroys the pool.
    let feeds = Mutex(FeedRegistry())

    /// Case-insensitive comparison for logins and emails: the unique indexes use it, and so must every lookup
    /// by login, or the index is not used and the match is case-sensitive. Strength 2 ignores case, not accents.
    private static var caseInsensitive: BSONDocument { BSONDocument(["locale": .string("en"), "strength": .int32(2)]) }
    static let defaultServerSelectionTimeoutMS: Int32 = 5000
    static let defaultSocketTimeoutMS: Int32 = 15000

    /// - Parameters:
    ///   - uri: a `mongodb://` or `mongodb+srv://` URI; `serverSelectionTimeoutMS` defaults to 5 s so that
    ///     start-up fails fast when the server is unreachable, `socketTimeoutMS` to 15 s (libmongoc: 5 min).
    ///   - threads: size of the thread pool that runs the blocking driver calls.
    public init(uri: String, database: String, threads: Int = 4, logger: Logger) throws {
        MongoDriver.ensureInitialised()
        var error = bson_error_t()
        guard let parsed = mongoc_uri_new_with_error(uri, &error) else {
            let message = MongoDriverError(error).message
            var secrets: [String] = []
            if let password = Self.rawPassword(in: uri) { secrets.append(password) }
            let info = MongoURIInfo(hosts: "", secrets: secrets)
            throw StoreError.unavailable("invalid MongoDB URI \(info.scrub(MongoURIInfo.redacted(uri))): \(info.scrub(message))")
        }
        defer { mongoc_uri_destroy(parsed) }

        var secrets: [String] = []
        if let password = mongoc_uri_get_password(parsed) { secrets.append(String(cString: password)) }
        if let password = Self.rawPassword(in: uri) { secrets.append(password) }
        uriInfo = MongoURIInfo(hosts: Self.hostList(parsed), secrets: secrets)
        hosts = uriInfo.hosts

        if mongoc_uri_get_option_as_int32(parsed, "serverselectiontimeoutms", 0) <= 0 {
            _ = mongoc_uri_set_option_as_int32(parsed, "serverselectiontimeoutms", Self.defaultServerSelectionTimeoutMS)
        }
        // libmongoc waits 5 minutes on a silent socket by default: a chat send must fail sooner than that
        // when the network drops without a reset, so that the client hears "not stored" and /ready turns 503.
        if mongoc_uri_get_option_as_int32(parsed, "sockettimeoutms", 0) <= 0 {
            _ = mongoc_uri_set_option_as_int32(parsed, "sockettimeoutms", Self.defaultSocketTimeoutMS)
        }
        if mongoc_uri_get_appname(parsed) == nil { _ = mongoc_uri_set_appname(parsed, "chatctl") }

        guard let rawPool = mongoc_client_pool_new(parsed) else {
            throw StoreError.unavailable("cannot create a MongoDB client pool for \(uriInfo.hosts)")
        }
        // Version 2 reports server errors in the MONGOC_ERROR_SERVER domain with the server's own code (11000...).
        _ = mongoc_client_pool_set_error_api(rawPool, 2)
        pool = MongoClientPool(raw: rawPool)

        self.database = database
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: max(1, threads))
        threadPool.start()
    }

    deinit {
        // close() was not called: no operation can be running (each holds `self`), so tear down here.
        if !closed.withLock({ $0 }) {
            threadPool.shutdownGracefully { _ in }
            pool.destroy()
        }
    }

    public func close() async {
        let first = closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        await stopFollowers()
        // Queued operations finish first; only then is the pool (and every client in it) destroyed.
        try? await threadPool.shutdownGracefully()
        pool.destroy()
    }

    // MARK: set-up

    public func prepare() async throws {
        try await withClient { client in
            try self.command(client, BSONDocument([
                "createIndexes": .string("users"),
                "indexes": .array(RequiredIndex.all.filter { $0.collection == "users" }.map { .document($0.specification) }),
            ]))
            try self.command(client, BSONDocument([
                "createIndexes": .string("messages"),
                "indexes": .array(RequiredIndex.all.filter { $0.collection == "messages" }.map { .document($0.specification) }),
            ]))
        }
        logger.info("MongoDB store ready", metadata: ["hosts": "\(hosts)", "database": "\(database)"])
    }

    public func ping() async throws {
        try await withClient { client in
            let (command, reply) = (BSONDocument(["ping": .int32(1)]), BSONDocument())
            var error = bson_error_t()
            let ok = withExtendedLifetime((command, reply)) {
                mongoc_client_command_simple(client, "admin", command.pointer, nil, reply.pointer, &error)
            }
            guard ok else { throw MongoDriverError(error) }
        }
    }

    // MARK: users

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

    // MARK: messages

    public func appendMessages(_ messages: [ChatMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await withCollection("messages") { collection in try Self.append(messages, collection) }
    }

    private static func append(_ messages: [ChatMessage], _ collection: OpaquePointer) throws {
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

    /// On the driver's thread pool like every call, but waited for without a task in between.
    public func appendMessagesBlocking(_ messages: [ChatMessage]) throws {
        guard !messages.isEmpty else { return }
        let outcome = BlockingOutcome<Void>()
        threadPool.submit { state in
            guard case .active = state else { return outcome.finish(.failure(self.closedError)) }
            outcome.finish(Result {
                try self.pool.withClient { client in
                    try self.withCollection("messages", of: client) { collection in try Self.append(messages, collection) }
                }
            }.mapError { ($0 as? MongoDriverError).map(self.storeError) ?? $0 })
        }
        try outcome.wait()
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

    // MARK: checks for `chatctl check`

    /// How many users still hold the original app's plain-text password (replaced by a hash at their next login).
    public func legacyPasswordCount() async throws -> Int {
        try await withCollection("users") { users in
            var count = 0
            let options = BSONDocument(["projection": .document(BSONDocument(["password": .int32(1)]))])
            try Self.find(users, BSONDocument(), options) { document in
                let password = BSONReader(raw: document).string("password") ?? ""
                if !UserRecord.isBcryptHash(password) { count += 1 }
            }
            return count
        }
    }

    /// The indexes chatctl relies on that the database lacks, described for a person ("users.login unique,
    /// case-insensitive"); empty when all are present.
    public func missingIndexes() async throws -> [String] {
        try await withClient { client in
            var missing: [String] = []
            for collectionName in ["users", "messages"] {
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

    // MARK: running driver calls

    /// Runs `body` on the store's thread pool with a pooled client; driver errors become `StoreError`s.
    private func withClient<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await runDriverCall { try self.pool.withClient(body) }
    }

    /// Runs blocking driver work on the store's thread pool; driver errors become `StoreError`s.
    func runDriverCall<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await threadPool.runIfActive(body)
        } catch let error as StoreError {
            throw error
        } catch let error as MongoDriverError {
            throw storeError(error)
        } catch {
            // NIOThreadPool refuses work once close() has begun.
            throw closedError
        }
    }

    private var closedError: StoreError { .unavailable("the MongoDB store at \(hosts) is closed") }

    func withCollection<T: Sendable>(_ name: String, _ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await withClient { client in try self.withCollection(name, of: client, body) }
    }

    private func withCollection<T>(_ name: String, of client: OpaquePointer, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let collection = mongoc_client_get_collection(client, database, name) else {
            throw StoreError.unavailable("cannot open collection \(name)")
        }
        defer { mongoc_collection_destroy(collection) }
        return try body(collection)
    }

    /// One line, naming the hosts, never the credentials.
    func storeError(_ error: MongoDriverError) -> StoreError {
        let message = uriInfo.scrub(error.message)
        if error.isUnreachable {
            logger.warning("MongoDB unreachable", metadata: ["hosts": "\(hosts)", "error": "\(message)"])
            return .unavailable("cannot reach MongoDB at \(hosts): \(message)")
        }
        return .unavailable("MongoDB at \(hosts) failed: \(message)")
    }

    private func command(_ client: OpaquePointer, _ command: BSONDocument) throws {
        let reply = BSONDocument()
        var error = bson_error_t()
        let ok = withExtendedLifetime((command, reply)) {
            mongoc_client_write_command_with_opts(client, database, command.pointer, nil, reply.pointer, &error)
        }
        guard ok else {
            let failure = MongoDriverError(error)
            if failure.isDuplicateKey {
                throw StoreError.corrupt("cannot create a unique index, existing documents clash (\(uriInfo.scrub(failure.message))); "
                    + "remove or rename the duplicates")
            }
            throw failure
        }
    }

    private func indexes(_ client: OpaquePointer, _ collectionName: String) throws -> [IndexDescription] {
        guard let collection = mongoc_client_get_collection(client, database, collectionName) else { return [] }
        defer { mongoc_collection_destroy(collection) }
        guard let cursor = mongoc_collection_find_indexes_with_opts(collection, nil) else { return [] }
        defer { mongoc_cursor_destroy(cursor) }
        var result: [IndexDescription] = []
        var document: OpaquePointer?
        while mongoc_cursor_next(cursor, &document) {
            if let document { result.append(IndexDescription(document)) }
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) {
            let failure = MongoDriverError(error)
            // A collection that does not exist yet has no indexes.
            if failure.code == MongoDriverError.namespaceNotFound { return [] }
            throw failure
        }
        return result
    }

    // MARK: query helpers (run on the thread pool)

    private static func find(_ collection: OpaquePointer, _ filter: BSONDocument, _ options: BSONDocument?,
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
    private static func findOne(_ collection: OpaquePointer, _ filter: BSONDocument, collation: Bool) throws -> FoundDocument? {
        let options = BSONDocument(["limit": .int64(1)])
        if collation { options.append("collation", .document(caseInsensitive)) }
        var found: FoundDocument?
        try find(collection, filter, options) { found = FoundDocument(copying: $0) }
        return found
    }

    private static func messages(_ collection: OpaquePointer, _ filter: BSONDocument, ascending: Bool, limit: Int) throws -> [ChatMessage] {
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
    private static func time(of cursor: ObjectId, _ collection: OpaquePointer) throws -> Date {
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

    /// One unordered insert_many; returns the per-document write errors (empty when all were stored).
    /// Anything that is not a per-document error (network, write concern) is thrown.
    private static func insertMany(_ collection: OpaquePointer, _ messages: [ChatMessage]) throws -> [MongoDriverError] {
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

    private static func replaceAll(_ collection: OpaquePointer, _ messages: [ChatMessage]) throws -> ImportOutcome {
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

    private static func writeErrors(_ reply: OpaquePointer) -> [MongoDriverError] {
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

    private static func hasWriteConcernErrors(_ reply: OpaquePointer) -> Bool {
        guard let errors = BSONReader(raw: reply).find("writeConcernErrors") else { return false }
        var any = false
        errors.forEachChild { _ in any = true }
        return any
    }

    private static func hostList(_ uri: OpaquePointer) -> String {
        if let srv = mongoc_uri_get_srv_hostname(uri) { return String(cString: srv) }
        var names: [String] = []
        var node = mongoc_uri_get_hosts(uri)
        while let current = node {
            names.append(withUnsafeBytes(of: current.pointee.host_and_port) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) })
            node = UnsafePointer(current.pointee.next)
        }
        return names.isEmpty ? "(no hosts)" : names.joined(separator: ",")
    }

    /// The percent-encoded password as written in the URI, to scrub it from messages.
    private static func rawPassword(in uri: String) -> String? {
        guard let scheme = uri.range(of: "://") else { return nil }
        let authority = uri[scheme.upperBound...].prefix(while: { $0 != "/" && $0 != "?" })
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = userInfo[userInfo.index(after: colon)...]
        return password.isEmpty ? nil : String(password)
    }
}
