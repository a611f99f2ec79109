@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// SPEC, Scale: several `chatctl serve` instances on one MongoDB replica set, each following the `messages`
/// change stream, so that a message sent to any instance reaches every client of every instance, in order,
/// exactly once. Two in-process servers on one database and one SECRET_KEY.
@Suite("Several instances on one MongoDB", .enabled(if: MongoTestEnvironment.uri != nil || MongoTestEnvironment.isCI,
                                                    MongoTestEnvironment.skipReason))
struct MultiInstanceTests {
    static func config(database: String, uri: String) -> AppConfig {
        TestServer.config {
            $0.mongoURI = uri
            $0.mongoDatabase = database
            $0.rateLimitPerSecond = 100_000
            $0.rateLimitBurst = 100_000
        }
    }

    /// Two live servers on one fresh database, dropped afterwards.
    static func withTwoInstances(
        _ body: @Sendable (ServerContext, LiveClient, ServerContext, LiveClient) async throws -> Void
    ) async throws {
        let uri = try #require(MongoTestEnvironment.uri, "CI=true but MONGO_TEST_URI is not set: run through scripts/with-mongo.sh")
        let database = MongoTestEnvironment.uniqueDatabaseName()
        let config = config(database: database, uri: uri)
        let first = try await TestServer.makeServer(config)
        let second = try await TestServer.makeServer(config)
        #expect(first.feed != nil && second.feed != nil, "a MongoDB store is followed through its change stream")
        do {
            try await buildApplication(first).test(.live) { firstClient in
                try await buildApplication(second).test(.live) { secondClient in
                    try await body(first, LiveClient(client: firstClient, port: firstClient.port ?? 0),
                                   second, LiveClient(client: secondClient, port: secondClient.port ?? 0))
                }
            }
        } catch {
            await dropDatabase(uri: uri, database)
            throw error
        }
        await dropDatabase(uri: uri, database)
    }

    static func dropDatabase(uri: String, _ database: String) async {
        guard let store = try? MongoStore(uri: uri, database: database, threads: 1, logger: Logger(label: "test")) else { return }
        try? await store.dropDatabase()
        await store.close()
    }

    @Test func everyClientOfEveryInstanceGetsEachMessageOnceInOneOrder() async throws {
        try await Self.withTwoInstances { first, firstClient, second, secondClient in
            let annCookie = try await firstClient.signUp("ann")
            let benCookie = try await secondClient.signUp("ben")
            // One session works on both instances: same database, same SECRET_KEY.
            #expect(try await secondClient.request("/", cookie: annCookie).status == .ok)
            let (annOnFirst, _) = try await TestSocket.connect(port: firstClient.port, cookie: annCookie)
            let (benOnFirst, _) = try await TestSocket.connect(port: firstClient.port, cookie: benCookie)
            let (benOnSecond, _) = try await TestSocket.connect(port: secondClient.port, cookie: benCookie)
            let (annOnSecond, _) = try await TestSocket.connect(port: secondClient.port, cookie: annCookie)
            let sockets = [annOnFirst, benOnFirst, benOnSecond, annOnSecond]

            let rounds = 25
            for round in 0..<rounds {
                annOnFirst.send("ann@1 \(round)")
                benOnSecond.send("ben@2 \(round)")
                annOnSecond.send("ann@2 \(round)")
            }
            let total = rounds * 3
            var orders: [[String]] = []
            for socket in sockets {
                var seen: [String] = []
                while seen.count < total {
                    let event = try await socket.next("message")
                    seen.append("\(event.id ?? "?") \(event.text ?? "?")")
                }
                orders.append(seen)
            }
            for order in orders.dropFirst() { #expect(order == orders[0], "every client sees one order") }
            #expect(Set(orders[0]).count == total, "no duplicates")
            // Each sender's own messages keep their order.
            for prefix in ["ann@1", "ben@2", "ann@2"] {
                let own = orders[0].map { $0.split(separator: " ", maxSplits: 1)[1] }.filter { $0.hasPrefix(prefix) }
                #expect(own == (0..<rounds).map { "\(prefix) \($0)" })
            }
            // What was broadcast is what was stored, once each.
            let stored = try await first.store.messages(before: nil, limit: 1000)
            #expect(Set(stored.map { "\($0.id.hex) \($0.text)" }) == Set(orders[0]))
            // Nothing more arrives: exactly once, not at least once.
            for socket in sockets {
                await #expect(throws: TestSocket.SocketError.self) { _ = try await socket.next("message", within: .seconds(1)) }
            }
            #expect(first.metrics.feedMessages.load(ordering: .relaxed) == total)
            #expect(second.metrics.feedMessages.load(ordering: .relaxed) == total)
            for socket in sockets { await socket.close() }
        }
    }

    @Test func importedHistoryIsNotPushedToClients() async throws {
        try await Self.withTwoInstances { first, firstClient, second, secondClient in
            let cookie = try await firstClient.signUp("ann")
            let (onFirst, _) = try await TestSocket.connect(port: firstClient.port, cookie: cookie)
            let (onSecond, _) = try await TestSocket.connect(port: secondClient.port, cookie: cookie)
            // `chatctl history import` of an old export: stored, not broadcast.
            let old = ChatMessage(id: ObjectIdGenerator().next(at: Date(timeIntervalSinceNow: -3600)), user: "old", text: "from the archive",
                                  time: Date(timeIntervalSinceNow: -3600))
            #expect(try await first.store.importMessages([old], mode: .insert) == ImportOutcome(inserted: 1, duplicates: 0))
            onSecond.send("live")
            #expect(try await onFirst.next("message").text == "live")
            #expect(try await onSecond.next("message").text == "live")
            #expect(first.metrics.feedSkippedOld.load(ordering: .relaxed) == 1)
            #expect(second.metrics.feedSkippedOld.load(ordering: .relaxed) == 1)
            #expect(try await second.store.countMessages(matching: .init()) == 2)
            await onFirst.close()
            await onSecond.close()
        }
    }

    /// A client that reconnects to the *other* instance with `?since=` while messages keep coming gets every
    /// message after its cursor once, in order.
    @Test func replayOnAnotherInstanceHasNoGapAndNoDuplicate() async throws {
        try await Self.withTwoInstances { _, firstClient, second, secondClient in
            let cookie = try await firstClient.signUp("ann")
            let (writer, _) = try await TestSocket.connect(port: firstClient.port, cookie: cookie)
            for index in 0..<300 { writer.send("m\(index)") }
            var ids: [String] = []
            while ids.count < 300 { ids.append(try #require(try await writer.next("message").id)) }
            let (reader, _) = try await TestSocket.connect(port: secondClient.port, cookie: cookie, query: "?since=\(ids[99])")
            for index in 300..<400 { writer.send("m\(index)") }
            var texts: [String] = []
            while texts.count < 300 { texts.append(try await reader.next("message").text ?? "") }
            #expect(texts == (100..<400).map { "m\($0)" })
            await #expect(throws: TestSocket.SocketError.self) { _ = try await reader.next("message", within: .seconds(1)) }
            #expect(try await second.store.countMessages(matching: .init()) == 400)
            await reader.close()
            await writer.close()
        }
    }

    /// A session ended through one instance is ended on the other: its requests there are refused and its sockets
    /// there are closed (4401) within a second, by that instance's own poll of the store.
    @Test func aSessionEndedThroughOneInstanceClosesItsSocketsOnTheOther() async throws {
        try await Self.withTwoInstances { _, firstClient, second, secondClient in
            let cookie = try await firstClient.signUp("ann")
            let keep = try #require(try await secondClient.logIn("ann", password: "correct horse").sessionCookie)
            let (onSecond, _) = try await TestSocket.connect(port: secondClient.port, cookie: cookie)
            let (keptOnSecond, _) = try await TestSocket.connect(port: secondClient.port, cookie: keep)
            #expect(try await firstClient.request("/signout", method: .post, cookie: cookie).status == .found)
            #expect(try await onSecond.waitForClose()?.closeCode == .unknown(4401))
            #expect(try await secondClient.request("/", cookie: cookie).status == .found)
            #expect(try await secondClient.request("/", cookie: keep).status == .ok)
            keptOnSecond.send("still here")
            #expect(try await keptOnSecond.next("message").text == "still here")
            #expect(second.metrics.sessionCloses.load(ordering: .relaxed) == 1)
            await keptOnSecond.close()
        }
    }

    /// The cost of broadcasting through the change stream: send → receipt on the sender's own instance,
    /// against the commit alone (what a direct broadcast waits for). Printed, not asserted: a shared machine.
    @Test func latencyThroughTheChangeStream() async throws {
        try await Self.withTwoInstances { first, firstClient, _, secondClient in
            let cookie = try await firstClient.signUp("ann")
            let (sender, _) = try await TestSocket.connect(port: firstClient.port, cookie: cookie)
            let (remote, _) = try await TestSocket.connect(port: secondClient.port, cookie: cookie)
            var local: [Duration] = []
            var other: [Duration] = []
            var commit: [Duration] = []
            let clock = ContinuousClock()
            for index in 0..<40 {
                let start = clock.now
                sender.send("ping \(index)")
                _ = try await sender.next("message")
                local.append(clock.now - start)
                _ = try await remote.next("message")
                other.append(clock.now - start)
                let message = ChatMessage(id: ObjectIdGenerator().next(), user: "ann", text: "direct \(index)", time: Date())
                let commitStart = clock.now
                try await first.store.appendMessages([message])
                commit.append(clock.now - commitStart)
                _ = try await sender.next("message")
                _ = try await remote.next("message")
            }
            func median(_ values: [Duration]) -> String {
                let sorted = values.sorted()
                let value = sorted[sorted.count / 2]
                return String(format: "%.2f ms", Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1000)
            }
            print("feed latency (median of 40): send→own instance \(median(local)), send→other instance \(median(other)); "
                  + "store commit alone \(median(commit))")
            await sender.close()
            await remote.close()
        }
    }
}

/// A message the feed broadcasts live must still be young enough for a `?since=` replay to remember it.
@Test func feedHorizonIsWithinTheReplayOverlap() {
    #expect(MessageFeedService.liveHorizon < LoopShard.liveOverlap)
}
