@testable import ChatAdmin
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Testing

/// History moves between every pair of stores (SQLite ↔ MongoDB) through Extended JSON, exactly.
@Suite struct StoreRoundTripTests {
    static let pairs: [(StoreKind, StoreKind)] = MongoTestEnvironment.storeKinds.flatMap { source in
        MongoTestEnvironment.storeKinds.map { (source, $0) }
    }

    @Test(arguments: pairs)
    func roundTrip(source: StoreKind, destination: StoreKind) async throws {
        for (format, array) in [(ExtendedJSONFormat.relaxed, false), (.canonical, true)] {
            try await withStore(source) { from in
                try await withStore(destination) { to in
                    let bothSQLite = source == .sqlite && destination == .sqlite
                    try await from.appendMessages(sampleMessages(count: 2500, beyondYear9999: bothSQLite))
                    try await expectExactRoundTrip(from: from, to: to, format: format, array: array)
                }
            }
        }
    }
}
