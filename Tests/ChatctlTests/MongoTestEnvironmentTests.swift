import CMongoc
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Logging
import Synchronization
import Testing

/// Fails under CI=true when no test server was provided, so that the Mongo suites can never skip silently there.
@Test func mongoTestServerIsConfiguredUnderCI() {
    if MongoTestEnvironment.isCI && MongoTestEnvironment.uri == nil {
        Issue.record("CI=true but MONGO_TEST_URI is not set: run the tests through scripts/with-mongo.sh")
    }
}
