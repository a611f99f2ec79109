@testable import ChatModel
@testable import ChatServer
import Foundation
import Logging
import ServiceLifecycle
import Testing


/// The writer's own thread against a real SQLite store: what it accepted is stored, in order, whichever
/// way the server stops.
@Suite("Message writer")
struct MessageWriterTests {
    enum Stop: String, CaseIterable { case gracefulShutdown, cancellation }

    @Test(arguments: Stop.allCases)
    func everythingAcceptedBeforeTheStopIsStoredInOrder(_ stop: Stop) async throws {
        try await withSQLiteStore { store in
            let metrics = ChatMetrics()
            let writer = standaloneWriter(store, metrics: metrics, maxBatch: 100)
            // Queued before the writer runs, so the stop finds them all waiting.
            for index in 0..<1000 {
                #expect(writer.submit(user: "alice", text: "m\(index)", origin: nil) == .queued)
            }
            switch stop {
            case .gracefulShutdown:
                let group = ServiceGroup(services: [writer], logger: Logger(label: "test"))
                let running = Task { try await group.run() }
                await group.triggerGracefulShutdown()
                try await running.value
            case .cancellation:
                let running = Task { try await writer.run() }
                running.cancel()
                try await running.value
            }
            #expect(writer.submit(user: "alice", text: "too late", origin: nil) == .shuttingDown)
            let stored = try await store.messages(matching: MessageFilter(), after: nil, limit: 2000)
            #expect(stored.count == 1000)
            #expect(stored.map(\.text).elementsEqual((0..<1000).map { "m\($0)" }), "history order is submission order")
            #expect(metrics.commitBatches.load(ordering: .relaxed) == 10, "batches of at most maxBatch")
            #expect(metrics.messagesStored.load(ordering: .relaxed) == 1000)
        }
    }

    /// Sparse traffic: the thread sleeps between messages and each submit must wake it.
    @Test func messagesSentOneAtATimeAreEachStored() async throws {
        try await withSQLiteStore { store in
            let metrics = ChatMetrics()
            let writer = standaloneWriter(store, metrics: metrics)
            let running = Task { try await writer.run() }
            for index in 0..<50 {
                #expect(writer.submit(user: "alice", text: "m\(index)", origin: nil) == .queued)
                try await poll(within: .seconds(10), every: .milliseconds(1)) { metrics.messagesStored.load(ordering: .relaxed) > index }
                #expect(metrics.messagesStored.load(ordering: .relaxed) == index + 1)
            }
            running.cancel()
            try await running.value
            #expect(try await store.countMessages(matching: MessageFilter()) == 50)
        }
    }
}
