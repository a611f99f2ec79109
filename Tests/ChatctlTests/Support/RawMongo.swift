import CMongoc
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Logging
import Synchronization
import Testing

/// Writes documents with the C driver directly, bypassing MongoStore: to fake data written by the original app.
enum RawMongo {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func insert(uri: String, database: String, collection: String, _ documents: [BSONDocument]) throws {
        MongoDriver.ensureInitialised()
        guard let client = mongoc_client_new(uri) else { throw Failure(description: "bad URI") }
        defer { mongoc_client_destroy(client) }
        guard let handle = mongoc_client_get_collection(client, database, collection) else { throw Failure(description: "no collection") }
        defer { mongoc_collection_destroy(handle) }
        for document in documents {
            var error = bson_error_t()
            let ok = document.withPointer { mongoc_collection_insert_one(handle, $0, nil, nil, &error) }
            guard ok else { throw Failure(description: MongoDriverError(error).message) }
        }
    }

    static func command(uri: String, database: String, _ command: BSONDocument) throws {
        MongoDriver.ensureInitialised()
        guard let client = mongoc_client_new(uri) else { throw Failure(description: "bad URI") }
        defer { mongoc_client_destroy(client) }
        var error = bson_error_t()
        let ok = command.withPointer { mongoc_client_command_simple(client, database, $0, nil, nil, &error) }
        guard ok else { throw Failure(description: MongoDriverError(error).message) }
    }
}
