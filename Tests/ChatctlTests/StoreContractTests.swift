@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Testing

/// The store contract: written against `ChatStore` only, run against every store kind.
@Suite("Store contract")
struct StoreContractTests {
    static let kinds = MongoTestEnvironment.storeKinds

    private static func user(_ login: String, email: String? = nil, generator: ObjectIdGenerator = ObjectIdGenerator()) -> UserRecord {
        UserRecord(id: generator.next(), login: login, email: email ?? "\(login.lowercased())@example.com",
                   password: "$2b$12$" + String(repeating: "a", count: 53), created: Date(millisecondsSince1970: 1_795_000_000_123))
    }

    @Test(arguments: kinds)
    func createsAndFindsUsers(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let alice = Self.user("Alice")
            let bob = Self.user("bob")
            try await store.createUser(alice)
            try await store.createUser(bob)
            #expect(try await store.user(id: alice.id) == alice)
            #expect(try await store.user(login: "Alice") == alice)
            #expect(try await store.user(login: "aLiCe") == alice, "lookup by login is case-insensitive")
            #expect(try await store.user(login: "carol") == nil)
            #expect(try await store.user(id: ObjectIdGenerator().next()) == nil)
            #expect(try await store.allUsers().map(\.login) == ["Alice", "bob"])
        }
    }

    @Test(arguments: kinds)
    func rejectsDuplicateLoginAndEmailIgnoringCase(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createUser(Self.user("alice", email: "alice@example.com"))
            await #expect(throws: StoreError.loginTaken("ALICE")) {
                try await store.createUser(Self.user("ALICE", email: "other@example.com"))
            }
            await #expect(throws: StoreError.emailTaken("Alice@Example.COM")) {
                try await store.createUser(Self.user("alice2", email: "Alice@Example.COM"))
            }
            #expect(try await store.allUsers().count == 1)
        }
    }

    @Test(arguments: kinds)
    func setsPassword(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let alice = Self.user("alice")
            try await store.createUser(alice)
            let hash = "$2b$12$" + String(repeating: "b", count: 53)
            #expect(try await store.setPassword(userID: alice.id, password: hash))
            #expect(try await store.user(login: "alice")?.password == hash)
            #expect(try await store.setPassword(userID: ObjectIdGenerator().next(), password: hash) == false)
        }
    }

    @Test(arguments: kinds)
    func removingAUserKeepsTheirMessages(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createUser(Self.user("alice"))
            let messages = makeMessages(3)
            try await store.appendMessages(messages)
            #expect(try await store.removeUser(login: "ALICE"))
            #expect(try await store.user(login: "alice") == nil)
            #expect(try await store.removeUser(login: "alice") == false)
            #expect(try await store.messages(before: nil, limit: 10) == historyOrder(messages).reversed())
        }
    }

    @Test(arguments: kinds)
    func pagesBackwardAndForwardThroughTies(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let messages = makeMessages(30)
            // Appended in two batches, out of history order.
            try await store.appendMessages(Array(messages[15...]))
            try await store.appendMessages(Array(messages[..<15]))
            let history = historyOrder(messages)
            #expect(Set(history.map(\.time)).count < history.count, "the fixture has ties in time")
            #expect(history.map(\.id) != messages.map(\.id), "the fixture's history order is not id order")

            #expect(try await store.messages(before: nil, limit: 4) == Array(history.suffix(4).reversed()))
            #expect(try await store.messages(before: history[10].id, limit: 3) == [history[9], history[8], history[7]])
            #expect(try await store.messages(before: history[0].id, limit: 3) == [])
            #expect(try await store.messages(after: history[10].id, limit: 3) == [history[11], history[12], history[13]])
            #expect(try await store.messages(after: history[29].id, limit: 3) == [])

            // Walking every page each way yields the whole history exactly once.
            var backward: [ChatMessage] = []
            var page = try await store.messages(before: nil, limit: 7)
            while !page.isEmpty {
                backward += page
                guard let last = page.last else { break }
                page = try await store.messages(before: last.id, limit: 7)
            }
            #expect(backward == history.reversed())

            var forward = [history[0]]
            page = try await store.messages(after: history[0].id, limit: 4)
            while !page.isEmpty {
                forward += page
                guard let last = page.last else { break }
                page = try await store.messages(after: last.id, limit: 4)
            }
            #expect(forward == history)
        }
    }

    @Test(arguments: kinds)
    func unknownCursorIsAnError(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.appendMessages(makeMessages(3))
            let stranger = ObjectIdGenerator().next()
            await #expect(throws: StoreError.unknownCursor(stranger.hex)) { try await store.messages(before: stranger, limit: 10) }
            await #expect(throws: StoreError.unknownCursor(stranger.hex)) { try await store.messages(after: stranger, limit: 10) }
        }
    }

    @Test(arguments: kinds)
    func exportsFilteredPagesAndCounts(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let messages = makeMessages(60, users: ["alice", "bob", "carol"])
            try await store.appendMessages(messages)
            let history = historyOrder(messages)
            let since = history[10].time
            let until = history[50].time
            let filters = [
                MessageFilter(),
                MessageFilter(user: "bob"),
                MessageFilter(since: since),
                MessageFilter(until: until),
                MessageFilter(since: since, until: until, user: "alice"),
                MessageFilter(user: "nobody"),
            ]
            for filter in filters {
                let expected = history.filter { message in
                    (filter.since.map { message.time >= $0 } ?? true) && (filter.until.map { message.time < $0 } ?? true)
                        && (filter.user.map { message.user == $0 } ?? true)
                }
                var exported: [ChatMessage] = []
                var position: ChatMessage?
                while true {
                    let page = try await store.messages(matching: filter, after: position, limit: 4)
                    exported += page
                    guard page.count == 4, let last = page.last else { break }
                    position = last
                }
                #expect(exported == expected, "export of \(filter)")
                #expect(try await store.countMessages(matching: filter) == expected.count, "count of \(filter)")
            }
        }
    }

    @Test(arguments: kinds)
    func streamsPagesInHistoryOrderFromAnyPosition(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let messages = makeMessages(45, users: ["alice", "bob"])
            try await store.appendMessages(messages)
            let history = historyOrder(messages)
            for pageSize in [1, 4, 45, 1000] {
                for (filter, position) in [(MessageFilter(), nil), (MessageFilter(user: "bob"), history[20]),
                                           (MessageFilter(since: history[5].time), history[44]), (MessageFilter(user: "nobody"), nil)] {
                    let expected = history.filter { message in
                        (filter.user.map { message.user == $0 } ?? true) && (filter.since.map { message.time >= $0 } ?? true)
                            && (position.map { (message.time, message.id.hex) > ($0.time, $0.id.hex) } ?? true)
                    }
                    var pages: [[ChatMessage]] = []
                    for try await page in store.messagePages(matching: filter, after: position, pageSize: pageSize) { pages.append(page) }
                    #expect(pages.flatMap { $0 } == expected, "\(filter) after \(position?.text ?? "start"), pages of \(pageSize)")
                    #expect(pages.allSatisfy { !$0.isEmpty && $0.count <= pageSize })
                }
            }
            // Streams dropped half-way give back what they hold: the store goes on answering.
            for _ in 0..<3 {
                var pages = store.messagePages(matching: MessageFilter(), after: nil, pageSize: 2).makeAsyncIterator()
                #expect(try await pages.next()?.count == 2)
            }
            #expect(try await store.countMessages(matching: MessageFilter()) == 45)
        }
    }

    @Test(arguments: kinds)
    func importInsertSkipsDuplicates(_ kind: StoreKind) async throws {
        let messages = makeMessages(10)
        var changed = messages
        changed[0].text = "edited"
        try await withStore(kind) { (store: any ChatStore) async throws in
            #expect(try await store.importMessages(Array(messages[..<6]), mode: .insert) == ImportOutcome(inserted: 6))
            #expect(try await store.importMessages(messages, mode: .insert) == ImportOutcome(inserted: 4, duplicates: 6))
            // Re-running the same import (even with edited text) changes nothing.
            #expect(try await store.importMessages(changed, mode: .insert) == ImportOutcome(inserted: 0, duplicates: 10))
            #expect(try await store.countMessages(matching: MessageFilter()) == 10)
            #expect(try await store.messages(before: nil, limit: 100) == historyOrder(messages).reversed())
        }
    }

    @Test(arguments: kinds)
    func importUpsertReplaces(_ kind: StoreKind) async throws {
        let messages = makeMessages(6)
        var incoming = Array(messages[2...])  // two existing, two new
        incoming[0].text = "replaced text"
        incoming[1].user = "mallory"
        try await withStore(kind) { store in
            try await store.appendMessages(Array(messages[..<4]))
            #expect(try await store.importMessages(incoming, mode: .upsert) == ImportOutcome(inserted: 2, replaced: 2))
            let expected = historyOrder(Array(messages[..<2]) + incoming)
            #expect(try await store.messages(before: nil, limit: 100) == expected.reversed())
            #expect(try await store.importMessages(incoming, mode: .upsert) == ImportOutcome(replaced: 4))
        }
    }

    @Test(arguments: kinds)
    func emptyBatchesAreNoOps(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.appendMessages([])
            #expect(try await store.importMessages([], mode: .insert) == ImportOutcome())
            #expect(try await store.importMessages([], mode: .upsert) == ImportOutcome())
            #expect(try await store.messages(before: nil, limit: 10) == [])
            #expect(try await store.messages(matching: MessageFilter(), after: nil, limit: 10) == [])
            #expect(try await store.countMessages(matching: MessageFilter()) == 0)
            #expect(try await store.allUsers() == [])
        }
    }

    @Test(arguments: kinds)
    func keepsLargeAndUnicodeTextExactly(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let generator = ObjectIdGenerator()
            let time = Date(millisecondsSince1970: 1_795_000_000_789)
            let texts = [
                String(repeating: "x", count: 4096),
                String(repeating: "é", count: 2048),  // 4 KB of two-byte characters
                "héllo wörld 👋🏽 — 日本語のテキスト — 🇫🇷 — e\u{301} — <script>alert(1)</script> \"quotes\" \\ \n\t",
                "",
            ]
            let messages = texts.map { ChatMessage(id: generator.next(), user: "ünïcødé", text: $0, time: time) }
            try await store.appendMessages(messages)
            #expect(try await store.messages(before: nil, limit: 10) == messages.reversed())
            #expect(try await store.messages(matching: MessageFilter(user: "ünïcødé"), after: nil, limit: 10) == messages)
        }
    }

    @Test(arguments: kinds)
    func groupCommitsAThousandMessages(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let messages = makeMessages(1000, users: ["alice", "bob"])
            try await store.appendMessages(messages)
            #expect(try await store.countMessages(matching: MessageFilter()) == 1000)
            #expect(try await store.messages(before: nil, limit: 1000) == historyOrder(messages).reversed())
        }
    }

    /// The message writer's path: called from a thread of its own, it must store exactly what the async
    /// call does and report failures as StoreErrors.
    @Test(arguments: kinds)
    func appendsBlockingFromAThreadOfItsOwn(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let messages = makeMessages(300, users: ["alice", "bob"])
            try await onThreadOfItsOwn {
                try store.appendMessagesBlocking([])
                for batch in stride(from: 0, to: messages.count, by: 100) {
                    try store.appendMessagesBlocking(Array(messages[batch..<batch + 100]))
                }
            }
            #expect(try await store.messages(before: nil, limit: 1000) == historyOrder(messages).reversed())
            let duplicate = try await onThreadOfItsOwn { () -> (any Error)? in
                do { try store.appendMessagesBlocking([messages[0]]) } catch { return error }
                return nil
            }
            #expect(duplicate is StoreError, "a duplicate id gave \(String(describing: duplicate))")
            #expect(try await store.countMessages(matching: MessageFilter()) == 300)
        }
    }

    /// A SQLite transaction stores all or nothing; a MongoDB bulk insert stores what it can and must say
    /// which. Either way, what the error claims is exactly what history gained.
    @Test(arguments: kinds)
    func anAppendThatFailsPartWayNamesWhatItStored(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let messages = makeMessages(5)
            try await store.appendMessages([messages[0]])
            for (attempt, blocking) in [(1, false), (2, true)] {
                // An id already stored, between two fresh ones.
                let batch = [messages[attempt * 2 - 1], messages[0], messages[attempt * 2]]
                let before = Set(try await store.messages(before: nil, limit: 100).map(\.id))
                let failure: (any Error)?
                if blocking {
                    failure = try await onThreadOfItsOwn { () -> (any Error)? in
                        do { try store.appendMessagesBlocking(batch) } catch { return error }
                        return nil
                    }
                } else {
                    do { try await store.appendMessages(batch); failure = nil } catch { failure = error }
                }
                let gained = Set(try await store.messages(before: nil, limit: 100).map(\.id)).subtracting(before)
                switch failure {
                case StoreError.partiallyStored(let stored, _)?:
                    #expect(stored == gained)
                    #expect(stored == Set([batch[0].id, batch[2].id]))
                case let error?:
                    #expect(error is StoreError, "\(error)")
                    #expect(gained.isEmpty, "the error said nothing was stored")
                case nil:
                    Issue.record("a duplicate id was accepted")
                }
            }
        }
    }

    // MARK: sessions

    private static let t0 = Date(millisecondsSince1970: 1_795_546_800_000)

    private static func session(_ userID: ObjectId, at created: Date = t0, lifetime: Duration = .seconds(3600),
                                ended: Date? = nil, address: String = "192.0.2.7", userAgent: String = "Mozilla/5.0 (test)") -> SessionRecord {
        var session = SessionRecord.start(userID: userID, address: address, userAgent: userAgent, lifetime: lifetime, now: created)
        session.ended = ended
        return session
    }

    @Test(arguments: kinds)
    func sessionsKeepEveryField(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let userID = ObjectIdGenerator().next()
            let plain = Self.session(userID)
            let unusual = Self.session(userID, at: Self.t0.addingTimeInterval(1), ended: Self.t0.addingTimeInterval(2),
                                       address: "2001:db8::1", userAgent: String(repeating: "é", count: 200) + " \"quoted\" 😀")
            #expect(unusual.userAgent.utf8.count <= SessionRecord.maxFieldBytes, "bounded before it is stored")
            #expect(unusual.userAgent.hasPrefix("éé"))
            try await store.createSession(plain)
            try await store.createSession(unusual)
            #expect(try await store.session(id: plain.id) == plain)
            #expect(try await store.session(id: plain.id)?.ended == nil)
            #expect(try await store.session(id: unusual.id) == unusual)
            #expect(try await store.sessions(userID: userID) == [unusual, plain], "newest first")
            #expect(try await store.sessions(userID: ObjectIdGenerator().next()).isEmpty)
            #expect(try await store.session(id: .random()) == nil)
        }
    }

    @Test(arguments: kinds)
    func endingSessionsEndsOnlyTheActiveOnesOfThatUser(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let ids = ObjectIdGenerator()
            let (alice, bob) = (ids.next(), ids.next())
            let now = Self.t0.addingTimeInterval(600)
            let active = Self.session(alice)
            let expired = Self.session(alice, lifetime: .seconds(60))
            let endedBefore = Self.session(alice, ended: Self.t0.addingTimeInterval(10))
            let bobs = Self.session(bob)
            for session in [active, expired, endedBefore, bobs] { try await store.createSession(session) }

            #expect(try await store.endSessions(userID: alice, at: now) == 1)
            #expect(try await store.session(id: active.id)?.ended == now)
            #expect(try await store.session(id: expired.id)?.state(at: now) == .expired, "an expired session stays expired")
            #expect(try await store.session(id: endedBefore.id)?.ended == Self.t0.addingTimeInterval(10), "the first end stays")
            #expect(try await store.session(id: bobs.id)?.ended == nil)
            #expect(try await store.endSessions(userID: alice, at: now) == 0)

            #expect(try await store.endSession(id: bobs.id, at: now))
            #expect(try await store.endSession(id: bobs.id, at: now.addingTimeInterval(1)) == false)
            #expect(try await store.session(id: bobs.id)?.ended == now)
            #expect(try await store.endSession(id: .random(), at: now) == false)
            try await store.touchSession(id: .random(), at: now)  // an unknown session: nothing to do, no error
        }
    }

    @Test(arguments: kinds)
    func lastSeenOnlyMovesForward(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let session = Self.session(ObjectIdGenerator().next())
            try await store.createSession(session)
            try await store.touchSession(id: session.id, at: Self.t0.addingTimeInterval(90))
            try await store.touchSession(id: session.id, at: Self.t0.addingTimeInterval(30))
            let stored = try #require(try await store.session(id: session.id))
            #expect(stored.lastSeen == Self.t0.addingTimeInterval(90))
            #expect(stored.created == session.created, "nothing else changes")
            #expect(stored.expires == session.expires)
        }
    }

    /// What the revocation poll asks: sessions ended at or after `since`, and those that expired between `since`
    /// and `now` without being ended; nothing older, nothing still active.
    @Test(arguments: kinds)
    func sessionsEndedSinceReportsEndsAndExpiriesInTheWindow(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let userID = ObjectIdGenerator().next()
            let since = Self.t0.addingTimeInterval(1000)
            let now = since.addingTimeInterval(10)
            let endedLongAgo = Self.session(userID, ended: since.addingTimeInterval(-1))
            let endedAtSince = Self.session(userID, ended: since)
            let endedJustNow = Self.session(userID, ended: now)
            let endedAheadOfOurClock = Self.session(userID, ended: now.addingTimeInterval(5))
            let expiredLongAgo = Self.session(userID, lifetime: .seconds(999))
            let expiredInTheWindow = Self.session(userID, lifetime: .seconds(1005))
            let expiredAndEndedEarlier = Self.session(userID, lifetime: .seconds(1005), ended: Self.t0.addingTimeInterval(5))
            let expiresLater = Self.session(userID, lifetime: .seconds(1011))
            let active = Self.session(userID)
            let all = [endedLongAgo, endedAtSince, endedJustNow, endedAheadOfOurClock, expiredLongAgo, expiredInTheWindow,
                       expiredAndEndedEarlier, expiresLater, active]
            for session in all { try await store.createSession(session) }

            let found = try await store.sessionsEnded(since: since, now: now)
            #expect(Set(found.map(\.id)) == Set([endedAtSince, endedJustNow, endedAheadOfOurClock, expiredInTheWindow].map(\.id)))
            #expect(found.count == 4, "each once")
            #expect(found.first { $0.id == expiredInTheWindow.id } == expiredInTheWindow, "whole records")
            #expect(try await store.sessionsEnded(since: now.addingTimeInterval(100), now: now.addingTimeInterval(100)).isEmpty)
        }
    }

    @Test(arguments: kinds)
    func purgeDeletesSessionsThatExpiredBeforeTheCutoff(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let userID = ObjectIdGenerator().next()
            let old = Self.session(userID, lifetime: .seconds(60))
            let oldAndEnded = Self.session(userID, lifetime: .seconds(60), ended: Self.t0.addingTimeInterval(1))
            let recent = Self.session(userID, lifetime: .seconds(3600))
            for session in [old, oldAndEnded, recent] { try await store.createSession(session) }
            #expect(try await store.purgeSessions(expiredBefore: Self.t0.addingTimeInterval(600)) == 2)
            #expect(try await store.sessions(userID: userID) == [recent])
            #expect(try await store.purgeSessions(expiredBefore: Self.t0.addingTimeInterval(600)) == 0)
        }
    }

    @Test(arguments: kinds)
    func pingsWhenReachable(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.ping()
            try await store.prepare()  // again: idempotent
        }
    }
}
