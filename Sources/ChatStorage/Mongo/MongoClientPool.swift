import CMongoc
import Foundation
import Logging

/// A `mongoc_client_pool_t`, which libmongoc documents as thread-safe: clients are popped and pushed
/// from any thread. That is why the wrapper may be `@unchecked Sendable`; the clients it hands out are not.
final class MongoClientPool: @unchecked Sendable {
    let raw: OpaquePointer

    init(raw: OpaquePointer) { self.raw = raw }

    /// Runs `body` with a client popped from the pool and pushed back on every path.
    func withClient<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        let client = try pop()
        defer { push(client) }
        return try body(client)
    }

    /// A client of one's own until `push`; blocks until one is free.
    func pop() throws -> OpaquePointer {
        // mongoc_client_pool_pop returns NULL only on misuse.
        guard let client = mongoc_client_pool_pop(raw) else {
            throw StoreError.unavailable("no MongoDB client available")
        }
        return client
    }

    func push(_ client: OpaquePointer) { mongoc_client_pool_push(raw, client) }

    func destroy() { mongoc_client_pool_destroy(raw) }
}
