import CMongoc
import ChatModel
import Foundation
import Logging
import Synchronization

/// The `messages` change stream: every insert by any chatctl instance (or `history import`), in the
/// replica set's single order, with a resume token after each event.
///
/// The blocking loop runs on a thread of its own, not on the store's thread pool (which serves requests
/// and would lose a thread for as long as the follower runs). It waits at most `awaitMilliseconds` per
/// getMore, so it notices cancellation and close() promptly.
extension MongoStore: MessageFeed {
    static let awaitMilliseconds: Int64 = 250
    /// "$changeStream is only supported on replica sets", "unrecognized pipeline stage", "command not supported".
    static let notSupported: Set<UInt32> = [40573, 40324, 115]

    public func feedPosition() async throws -> FeedPosition? {
        let hosts = self.hosts
        let uriInfo = self.uriInfo
        return try await withCollection("messages") { collection in
            do {
                let stream = try Self.watch(collection, after: nil, awaitMilliseconds: 1)
                defer { mongoc_change_stream_destroy(stream) }
                // The aggregate's reply carries a post-batch resume token on servers that have one (4.0.7+).
                if let position = Self.resumeToken(stream) { return position }
                var event: OpaquePointer?
                _ = mongoc_change_stream_next(stream, &event)
                try Self.throwIfFailed(stream)
                return Self.resumeToken(stream)
            } catch let error as MongoDriverError where Self.notSupported.contains(error.code) && error.domain == MONGOC_ERROR_SERVER.rawValue {
                throw StoreError.feedUnsupported("MongoDB at \(hosts) has no change streams (\(uriInfo.scrub(error.message))); "
                    + "run it as a replica set (a one-node set will do) to serve from several chatctl instances")
            }
        }
    }

    public func followMessages(after position: FeedPosition?,
                               _ deliver: @escaping @Sendable ([ChatMessage], FeedPosition) -> Void) async throws {
        let control = FeedControl()
        let admitted = feeds.withLock { registry -> Bool in
            guard !registry.closed else { return false }
            registry.followers[ObjectIdentifier(control)] = control
            return true
        }
        guard admitted else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread {
                    let outcome: Result<Void, any Error>
                    do {
                        try self.follow(after: position, control: control, deliver)
                        outcome = .success(())
                    } catch let error as MongoDriverError {
                        outcome = .failure(self.feedError(error))
                    } catch {
                        outcome = .failure(error)
                    }
                    // The client is back in the pool by now: close() may go on.
                    self.feeds.withLock { _ = $0.followers.removeValue(forKey: ObjectIdentifier(control)) }
                    continuation.resume(with: outcome)
                }
                thread.name = "chatctl-mongo-feed"
                thread.start()
            }
        } onCancel: {
            control.stop()
        }
    }

    /// Stops every follower and waits (up to 10 s) until each has given its client back.
    func stopFollowers() async {
        let running = feeds.withLock { registry -> [FeedControl] in
            registry.closed = true
            return Array(registry.followers.values)
        }
        guard !running.isEmpty else { return }
        for control in running { control.stop() }
        let deadline = ContinuousClock.now + .seconds(10)
        while feeds.withLock({ !$0.followers.isEmpty }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: on the follower's thread

    private func follow(after position: FeedPosition?, control: FeedControl,
                        _ deliver: @Sendable ([ChatMessage], FeedPosition) -> Void) throws {
        try pool.withClient { client in
            guard let collection = mongoc_client_get_collection(client, database, "messages") else {
                throw StoreError.unavailable("cannot open collection messages")
            }
            defer { mongoc_collection_destroy(collection) }
            let stream = try Self.watch(collection, after: position, awaitMilliseconds: Self.awaitMilliseconds)
            defer { mongoc_change_stream_destroy(stream) }
            var last = position
            while !control.isStopped {
                var event: OpaquePointer?
                if mongoc_change_stream_next(stream, &event), let event {
                    // Only inserts pass the $match, but the server ends a stream with `invalidate` when the
                    // collection or database is dropped or renamed. Asking libmongoc 1.23 for more after that
                    // dereferences its closed cursor (CDRIVER-4738): stop here; the follower starts over.
                    let kind = BSONReader(raw: event).find("operationType")?.string
                    if let kind, kind != "insert" {
                        throw StoreError.unavailable("the change stream ended (\(kind)): was the messages collection dropped or renamed?")
                    }
                    guard let token = Self.resumeToken(stream) else { continue }
                    last = token
                    do {
                        deliver([try Self.insertedMessage(event)], token)
                    } catch {
                        // Not a chat message (written by something else): passed over, the position still moves on.
                        logger.warning("change stream: an inserted document is not a chat message",
                                       metadata: ["error": "\(error)"])
                        deliver([], token)
                    }
                    continue
                }
                try Self.throwIfFailed(stream)
                // An empty wait: the post-batch token may have moved past events the $match filtered out.
                if let token = Self.resumeToken(stream), token != last {
                    last = token
                    deliver([], token)
                }
            }
        }
    }

    /// A change stream over inserts, after `position` when given, else from now. libmongoc itself retries
    /// once on a resumable error, from its latest token.
    private static func watch(_ collection: OpaquePointer, after position: FeedPosition?, awaitMilliseconds: Int64) throws -> OpaquePointer {
        let insertsOnly = BSONDocument(["$match": .document(BSONDocument(["operationType": .string("insert")]))])
        let pipeline = BSONDocument(["pipeline": .array([.document(insertsOnly)])])
        let options = BSONDocument(["maxAwaitTimeMS": .int64(awaitMilliseconds)])
        if let position {
            let appended = position.token.withUnsafeBufferPointer { bytes -> Bool in
                guard let base = bytes.baseAddress, let token = bson_new_from_data(base, bytes.count) else { return false }
                defer { bson_destroy(token) }
                return options.withPointer { bson_append_document($0, "resumeAfter", -1, token) }
            }
            guard appended else { throw StoreError.corrupt("a change-stream resume token that is not BSON") }
        }
        let stream = withExtendedLifetime((pipeline, options)) {
            mongoc_collection_watch(collection, pipeline.pointer, options.pointer)
        }
        guard let stream else { throw StoreError.unavailable("the driver returned no change stream") }
        // Invalid options and a failed aggregate show here, before the first next().
        do {
            try throwIfFailed(stream)
        } catch {
            mongoc_change_stream_destroy(stream)
            throw error
        }
        return stream
    }

    private static func throwIfFailed(_ stream: OpaquePointer) throws {
        var error = bson_error_t()
        var reply: OpaquePointer?
        if mongoc_change_stream_error_document(stream, &error, &reply) { throw MongoDriverError(error) }
    }

    /// The stream's resume token, copied (the stream owns it and replaces it on the next call).
    private static func resumeToken(_ stream: OpaquePointer) -> FeedPosition? {
        guard let token = mongoc_change_stream_get_resume_token(stream), let data = bson_get_data(token) else { return nil }
        // A BSON document starts with its own length, little-endian int32.
        let length = Int(UInt32(data[0]) | UInt32(data[1]) << 8 | UInt32(data[2]) << 16 | UInt32(data[3]) << 24)
        guard length >= 5 else { return nil }
        return FeedPosition(token: Array(UnsafeBufferPointer(start: data, count: length)))
    }

    /// The `fullDocument` of an insert event, as a message.
    private static func insertedMessage(_ event: OpaquePointer) throws -> ChatMessage {
        guard let full = BSONReader(raw: event).find("fullDocument") else {
            throw StoreError.corrupt("an insert event without fullDocument")
        }
        return try withExtendedLifetime(full) {
            guard full.type == BSON_TYPE_DOCUMENT else { throw StoreError.corrupt("an insert event without fullDocument") }
            var length: UInt32 = 0
            var data: UnsafePointer<UInt8>?
            bson_iter_document(full.raw, &length, &data)
            guard let data, let document = bson_new_from_data(data, Int(length)) else {
                throw StoreError.corrupt("an unreadable fullDocument")
            }
            defer { bson_destroy(document) }
            return try MongoDocuments.message(document)
        }
    }

    /// Resume tokens the server no longer holds, or a stream it will not resume: starting over from the
    /// same token cannot succeed.
    private func feedError(_ error: MongoDriverError) -> StoreError {
        let historyLost: UInt32 = 286, fatal: UInt32 = 280
        if error.domain == MONGOC_ERROR_SERVER.rawValue, error.code == historyLost || error.code == fatal {
            return .feedLost("MongoDB at \(hosts) cannot resume the change stream: \(uriInfo.scrub(error.message))")
        }
        return storeError(error)
    }
}
