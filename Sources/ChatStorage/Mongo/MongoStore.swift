import CMongoc
import ChatConfig
import ChatModel
import Foundation
import Logging
import NIOPosix
import Synchronization

/// The MongoDB store, through libmongoc, over the original aiohttp app's collections:
/// `users {_id, login, email, password[, created]}` and `messages {_id, user, msg, time}`, plus chatctl's own
/// `sessions {_id, userId, created, lastSeen, address, userAgent, expires[, ended]}`.
///
/// Every driver call blocks, so each async operation runs on a dedicated `NIOThreadPool` (never on the caller's
/// executor or an event loop) with a client popped from one `mongoc_client_pool_t` and pushed back on every path;
/// the message writer's commits run on the writer's own thread (`appendMessagesBlocking`).
/// Write concern and read preference are whatever the URI says: libmongoc applies them to every client.
public final class MongoStore: ChatStore {
    public let database: String
    /// The URI's host list, safe to log: never the credentials.
    public let hosts: String
    let uriInfo: MongoURIInfo
    let pool: MongoClientPool
    private let threadPool: NIOThreadPool
    let logger: Logger
    /// Closed, and how many blocking calls run on their callers' threads (`withDirectCall`).
    private let lifecycle = Mutex((closed: false, directCalls: 0))
    /// Change-stream followers (MongoStore+MessageFeed.swift): each holds a pooled client on a thread of its own, so
    /// close() stops them and waits before it destroys the pool.
    let feeds = Mutex(FeedRegistry())

    /// Case-insensitive comparison for logins and emails: the unique indexes use it, and so must every lookup
    /// by login, or the index is not used and the match is case-sensitive. Strength 2 ignores case, not accents.
    static var caseInsensitive: BSONDocument { BSONDocument(["locale": .string("en"), "strength": .int32(2)]) }
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
            if let password = MongoURI.rawPassword(in: uri) { secrets.append(password) }
            let info = MongoURIInfo(hosts: "", secrets: secrets)
            throw StoreError.unavailable("invalid MongoDB URI \(info.scrub(MongoURI.redacted(uri))): \(info.scrub(message))")
        }
        defer { mongoc_uri_destroy(parsed) }

        var secrets: [String] = []
        if let password = mongoc_uri_get_password(parsed) { secrets.append(String(cString: password)) }
        if let password = MongoURI.rawPassword(in: uri) { secrets.append(password) }
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
        if !lifecycle.withLock({ $0.closed }) {
            threadPool.shutdownGracefully { _ in }
            pool.destroy()
        }
    }

    public func close() async {
        let first = lifecycle.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard first else { return }
        // A direct call holds a pooled client: let it finish (a socket timeout bounds it) before the pool goes.
        while lifecycle.withLock({ $0.directCalls }) > 0 {
            try? await Task.sleep(for: .milliseconds(1))
        }
        await stopFollowers()
        // Queued operations finish first; only then is the pool (and every client in it) destroyed.
        try? await threadPool.shutdownGracefully()
        pool.destroy()
    }

    /// Runs blocking driver work on the caller's thread, refused once `close()` has begun.
    func withDirectCall<T>(_ body: () throws -> T) throws -> T {
        let admitted = lifecycle.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.directCalls += 1
            return true
        }
        guard admitted else { throw closedError }
        defer { lifecycle.withLock { $0.directCalls -= 1 } }
        return try body()
    }

    // MARK: set-up

    /// Creates the indexes chatctl relies on that the database lacks, and says which it created.
    public func prepare() async throws {
        let missing = try await missingIndexes()
        if !missing.isEmpty {
            try await withClient { client in
                for collection in RequiredIndex.collections {
                    let indexes = RequiredIndex.all.filter { $0.collection == collection }.map { BSONValue.document($0.specification) }
                    try self.command(client, BSONDocument(["createIndexes": .string(collection), "indexes": .array(indexes)]))
                }
            }
            logger.notice("MongoDB indexes created", metadata: ["indexes": "\(missing.joined(separator: "; "))"])
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


    /// Runs `body` on the store's thread pool with a pooled client; driver errors become `StoreError`s.
    func withClient<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
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

    var closedError: StoreError { .unavailable("the MongoDB store at \(hosts) is closed") }

    func withCollection<T: Sendable>(_ name: String, _ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await withClient { client in try self.withCollection(name, of: client, body) }
    }

    func withCollection<T>(_ name: String, of client: OpaquePointer, _ body: (OpaquePointer) throws -> T) throws -> T {
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

    func indexes(_ client: OpaquePointer, _ collectionName: String) throws -> [IndexDescription] {
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
}
