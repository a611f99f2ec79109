@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing


/// The fan-out hub and the per-socket protocol handler on embedded channels: no sockets, no sleeps. Nothing
/// runs until a test runs the loop, and time moves only when a test advances it.
///
/// On `EmbeddedLoopActor`, one thread, because an `EmbeddedEventLoop` may only be used and freed on the thread
/// that made it and a hub keeps every loop it saw: the tests that await a `ServerContext` come back to it.
@Suite("Chat hub on embedded channels")
@EmbeddedLoopActor
struct ChatHubTests {
    private static let goingAway = ServerFrame.close(code: 1001, reason: "server shutting down")

    private func makeHub(_ metrics: ChatMetrics = ChatMetrics(), replayBacklogLimit: Int = 50_000) -> ChatHub {
        ChatHub(metrics: metrics, outboundBufferBytes: 64 * 1024, replayBacklogLimit: replayBacklogLimit)
    }

    /// Now, to the millisecond: what an event's JSON keeps, so that decoded events compare equal.
    private static func now() -> Date {
        Date(millisecondsSince1970: Date().millisecondsSince1970)
    }

    private static func messages(_ count: Int, from user: String = "ann", ids: ObjectIdGenerator = ObjectIdGenerator(),
                                 time: Date = now()) -> [ChatMessage] {
        (0..<count).map { ChatMessage(id: ids.next(), user: user, text: "\(user) says \($0)", time: time) }
    }

    /// The frames a batch of `events` must arrive as: each encoded once, back to back.
    private static func encoded(_ events: [ChatEvent]) -> ByteBuffer {
        var bytes = ByteBuffer()
        for event in events {
            var frame = ServerFrame.text(event.json)
            bytes.writeBuffer(&frame)
        }
        return bytes
    }

    private static func drain(_ sockets: [EmbeddedWebSocket]) throws {
        for socket in sockets { _ = try socket.readBytes() }
    }

    // MARK: fan-out and presence

    @Test func aBroadcastReachesEveryConnectionAsThePreEncodedTextFrames() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let metrics = ChatMetrics()
        let hub = makeHub(metrics)
        let sockets = try ["ann", "ben", "cat"].map { try room.connect(hub, as: $0) }
        room.run()
        try Self.drain(sockets)
        let before = metrics.deliveries.load(ordering: .relaxed)

        let batch = Self.messages(5)
        hub.broadcast(messages: batch)
        #expect(try sockets[0].readBytes().readableBytes == 0, "a broadcast only hops to the loop; the loop writes")
        room.run()
        let expected = Self.encoded(batch.map(ChatEvent.message))
        for socket in sockets {
            let bytes = try socket.readBytes()
            #expect(bytes == expected, "the same pre-encoded frames, in order, to \(socket.connection.login)")
            let frames = try WebSocketWire.decode(bytes)
            #expect(frames.count == batch.count)
            #expect(frames.allSatisfy { $0.fin && $0.opcode == .text && $0.maskKey == nil && $0.rsv1 == false })
            #expect(try WebSocketWire.events(frames) == batch.map(ChatEvent.message))
        }
        #expect(metrics.deliveries.load(ordering: .relaxed) - before == batch.count * sockets.count)
    }

    @Test func theFirstFrameIsPresenceAndAJoinGoesToEveryoneButTheNewConnection() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let hub = makeHub()
        let ann = try room.connect(hub, as: "ann")
        #expect(try ann.readEvents() == [.presence(users: ["ann"])], "presence is written during registration")
        room.run()
        #expect(try ann.readFrames().isEmpty, "its own join is not sent to the connection that joined")

        let ben = try room.connect(hub, as: "ben")
        #expect(try ben.readEvents() == [.presence(users: ["ann", "ben"])])
        room.run()
        let annSaw = try ann.readEvents()
        #expect(annSaw.map(\.type) == ["join"])
        #expect(annSaw.first?.user == "ben")
        #expect(try ben.readFrames().isEmpty, "the excluded connection got no join")
        #expect(hub.onlineUsers == ["ann", "ben"])
        #expect(hub.connectionCount == 2)
    }

    @Test func joinIsForAUsersFirstConnectionAndLeaveForTheLast() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let hub = makeHub()
        let ann = try room.connect(hub, as: "ann")
        let ben = try room.connect(hub, as: "ben")
        room.run()
        try Self.drain([ann, ben])

        let annAgain = try room.connect(hub, as: "ann")
        #expect(try annAgain.readEvents() == [.presence(users: ["ann", "ben"])])
        room.run()
        #expect(try ben.readFrames().isEmpty, "a second connection of a login online is no join")
        #expect(try ann.readFrames().isEmpty)
        #expect(hub.connectionCount == 3)

        ann.disconnect()
        #expect(try ben.readFrames().isEmpty, "ann is still online on another connection")
        #expect(hub.onlineUsers == ["ann", "ben"])
        #expect(hub.connectionCount == 2)

        annAgain.disconnect()
        let benSaw = try ben.readEvents()
        #expect(benSaw.map(\.type) == ["leave"])
        #expect(benSaw.first?.user == "ann")
        #expect(hub.onlineUsers == ["ben"])
        #expect(hub.connectionCount == 1)
    }

    @Test func aRegistrationThatFailsIsNeitherAJoinNorALeave() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let metrics = ChatMetrics()
        let hub = makeHub(metrics)
        let ann = try room.connect(hub, as: "ann")
        room.run()
        try Self.drain([ann])

        // The client went away before the upgraded channel was handed over: a socket channel then refuses
        // options (ChannelError.ioOnClosedChannel), which an EmbeddedChannel does only when told to.
        let gone = try room.openChannel(WebSocketFrameEncoder())
        gone.allowOptionsWhenClosed = false
        gone.close(promise: nil)
        #expect(throws: ChannelError.self) { try hub.register(login: "ben", channel: gone, replaying: false) }
        room.run()
        #expect(try ann.readFrames().isEmpty, "the room never heard ben join, so it hears no leave")
        #expect(hub.onlineUsers == ["ann"])
        #expect(hub.connectionCount == 1)
        #expect(metrics.connectionsTotal.load(ordering: .relaxed) == 1)
    }

    // MARK: slow clients

    @Test func aConnectionStillUnwritableWhenABatchComesIsCutOffAndTheOthersGoOn() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let metrics = ChatMetrics()
        let hub = makeHub(metrics)
        let ann = try room.connect(hub, as: "ann")
        let ben = try room.connect(hub, as: "ben")
        let slow = try room.connect(hub, as: "cat")
        room.run()
        try Self.drain([ann, ben, slow])

        // A connection's outbound bound is its channel's write-buffer high-water mark.
        let mark = slow.channel.options.first { $0.option is ChannelOptions.Types.WriteBufferWaterMarkOption }?.value
            as? ChannelOptions.Types.WriteBufferWaterMark
        #expect(mark?.high == hub.outboundBufferBytes)
        #expect(mark?.low == hub.outboundBufferBytes / 2)
        // EmbeddedChannel records the option but buffers nothing and never changes its writability itself:
        // setting it is what a socket channel does once the bytes it has not sent pass the high mark.
        slow.channel.isWritable = false

        let first = Self.messages(3)
        hub.broadcast(messages: first)
        room.run()
        #expect(!slow.isOpen, "cut off, never buffered")
        #expect(try slow.readFrames().isEmpty, "nothing written to a connection that is cut off")
        #expect(metrics.slowDisconnects.load(ordering: .relaxed) == 1)
        for socket in [ann, ben] {
            let events = try socket.readEvents()
            #expect(Array(events.prefix(first.count)) == first.map(ChatEvent.message))
            #expect(events.dropFirst(first.count).map { "\($0.type) \($0.user ?? "")" } == ["leave cat"],
                    "presence stays balanced: the room is told")
        }
        #expect(hub.onlineUsers == ["ann", "ben"])
        #expect(hub.connectionCount == 2)

        // The closed channel's own unregister (after the loop ran) finds nothing: no second leave.
        let second = Self.messages(2, from: "ben")
        hub.broadcast(messages: second)
        room.run()
        for socket in [ann, ben] {
            #expect(try socket.readEvents() == second.map(ChatEvent.message))
        }
        #expect(metrics.connections.load(ordering: .relaxed) == 2)
        #expect(metrics.slowDisconnects.load(ordering: .relaxed) == 1)
    }

    @Test func cuttingOffOneOfAUsersConnectionsIsNoLeave() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let metrics = ChatMetrics()
        let hub = makeHub(metrics)
        let ann = try room.connect(hub, as: "ann")
        let benSlow = try room.connect(hub, as: "ben")
        let benFast = try room.connect(hub, as: "ben")
        room.run()
        try Self.drain([ann, benSlow, benFast])

        benSlow.channel.isWritable = false
        let batch = Self.messages(2)
        hub.broadcast(messages: batch)
        room.run()
        #expect(!benSlow.isOpen)
        #expect(benFast.isOpen)
        #expect(try ann.readEvents() == batch.map(ChatEvent.message), "ben is still online: no leave")
        #expect(try benFast.readEvents() == batch.map(ChatEvent.message))
        #expect(hub.onlineUsers == ["ann", "ben"])
        #expect(metrics.slowDisconnects.load(ordering: .relaxed) == 1)

        benFast.disconnect()
        #expect(try ann.readEvents().map { "\($0.type) \($0.user ?? "")" } == ["leave ben"], "one leave for ben's last")
        #expect(hub.onlineUsers == ["ann"])
        #expect(hub.connectionCount == 1)
    }

    // MARK: closing handshake

    @Test func closeAllSendsGoingAwayThenNothingAndClosesOnTheAnswerOrAfterTheTimeout() async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let hub = server.hub
            let answering = try room.attach(server, as: "ann")
            let silent = try room.attach(server, as: "ben")
            room.run()
            try Self.drain([answering, silent])

            // What `ChatHub.closeAll()` submits to each loop (that hop itself: closeAllAndCloseChannelsReachEveryEventLoop).
            answering.connection.shard.value.closeAll(frame: Self.goingAway)
            hub.broadcast(messages: Self.messages(2))
            answering.connection.send(.error(code: .serverBusy, message: "after the close"))
            try answering.send(.ping, Array("still there?".utf8))
            try silent.send(text: "a message after the close")
            room.run()
            for socket in [answering, silent] {
                let frames = try socket.readFrames()
                #expect(frames.count == 1, "the close frame, and nothing after it")
                #expect(frames.first.flatMap(WebSocketWire.closeCode) == 1001)
                #expect(frames.first.flatMap(WebSocketWire.closeReason) == "server shutting down")
                #expect(socket.isOpen, "open until the client answers or the timeout")
            }

            // The client's answer ends it at once, and is not answered again.
            try answering.send(.connectionClose, [0x03, 0xE9])
            room.run()
            #expect(!answering.isOpen)
            #expect(try answering.readFrames().isEmpty)
            #expect(try silent.readFrames().isEmpty, "a closing connection is sent no leave either")

            // No answer: the channel closes when closeTimeout has passed, not before.
            room.advanceTime(by: hub.closeTimeout - .nanoseconds(1))
            #expect(silent.isOpen)
            room.advanceTime(by: .nanoseconds(1))
            #expect(!silent.isOpen)
            #expect(try silent.readFrames().isEmpty)
            #expect(hub.connectionCount == 0)
            #expect(hub.onlineUsers.isEmpty)
        }
    }

    @Test func theHTTPServersQuiesceEventStartsTheSameHandshake() async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])
            ann.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            let frames = try ann.readFrames()
            #expect(frames.count == 1)
            #expect(frames.first.flatMap(WebSocketWire.closeCode) == 1001)
            #expect(ann.state.closing)
            room.advanceTime(by: server.hub.closeTimeout)
            #expect(!ann.isOpen)
        }
    }

    @Test(arguments: [UInt16?.none, 1000, 4321])
    func aClientsCloseIsEchoedWithItsCodeAndTheChannelCloses(_ code: UInt16?) async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            let ben = try room.attach(server, as: "ben")
            room.run()
            try Self.drain([ann, ben])

            var payload: [UInt8] = []
            if let code { payload = [UInt8(code >> 8), UInt8(code & 0xFF)] + Array("bye".utf8) }
            try ann.send(.connectionClose, payload)
            room.run()
            let bytes = try ann.readBytes()
            let echo: [UInt8] = code.map { [0x88, 0x02, UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? [0x88, 0x00]
            #expect(Array(bytes.readableBytesView) == echo, "the code alone, echoed")
            #expect(!ann.isOpen)
            #expect(try ben.readEvents().map { "\($0.type) \($0.user ?? "")" } == ["leave ann"])
            #expect(server.hub.onlineUsers == ["ben"])
        }
    }

    // MARK: sessions that end

    @Test func endingASessionClosesEachOfItsConnectionsWith4401AndNoOther() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let metrics = ChatMetrics()
        let hub = makeHub(metrics)
        let ended = SessionID.random()
        let firstTab = try room.connect(hub, as: "ann", session: ended)
        let secondTab = try room.connect(hub, as: "ann", session: ended)
        let otherLogIn = try room.connect(hub, as: "ann", session: .random())
        let noSession = try room.connect(hub, as: "ben")
        room.run()
        try Self.drain([firstTab, secondTab, otherLogIn, noSession])

        hub.closeSessions([ended])
        room.run()
        for tab in [firstTab, secondTab] {
            let frames = try tab.readFrames()
            #expect(frames.map(WebSocketWire.closeCode) == [4401], "one close frame, nothing else")
            #expect(frames.first.flatMap(WebSocketWire.closeReason) == "session ended")
            #expect(tab.state.closing)
            #expect(tab.isOpen, "the close handshake: open until the client answers or the timeout")
        }
        #expect(try otherLogIn.readFrames().isEmpty)
        #expect(try noSession.readFrames().isEmpty)
        #expect(metrics.sessionCloses.load(ordering: .relaxed) == 2)

        // Told again (the sign-out's own call, then the poll): nothing more goes out.
        hub.closeSessions([ended])
        hub.broadcast(messages: Self.messages(1))
        room.run()
        #expect(try firstTab.readFrames().isEmpty)
        #expect(try otherLogIn.readEvents().map(\.type) == ["message"], "the others chat on")
        #expect(metrics.sessionCloses.load(ordering: .relaxed) == 2)

        // No answer: both close after the close timeout.
        room.advanceTime(by: hub.closeTimeout)
        #expect(!firstTab.isOpen)
        #expect(!secondTab.isOpen)
        #expect(otherLogIn.isOpen)
        #expect(hub.onlineUsers == ["ann", "ben"], "ann is still there with her other log-in")
    }

    /// The upgrade was decided while the session was still on, and the hub heard of its end before the
    /// connection registered: it is closed as soon as it registers, until the hub forgets the end.
    @Test func aConnectionRegisteringWithASessionThatJustEndedIsClosedAtOnce() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let metrics = ChatMetrics()
        let hub = makeHub(metrics)
        let ended = SessionID.random()
        hub.closeSessions([ended])
        let late = try room.connect(hub, as: "ann", session: ended)
        room.run()
        let frames = try late.readFrames()
        #expect(frames.first?.opcode == .text, "the presence frame first")
        #expect(frames.last.flatMap(WebSocketWire.closeCode) == 4401)
        #expect(metrics.sessionCloses.load(ordering: .relaxed) == 1)

        #expect(hub.endedSessionCount == 1)
        hub.forgetEndedSessions(before: .now - .seconds(60))
        #expect(hub.endedSessionCount == 1, "not yet forgotten")
        hub.forgetEndedSessions(before: .now + .seconds(1))
        #expect(hub.endedSessionCount == 0)
        let afterwards = try room.connect(hub, as: "ann", session: ended)
        room.run()
        #expect(try afterwards.readFrames().allSatisfy { $0.opcode == .text }, "the store refuses such upgrades by then")
    }

    // MARK: replay

    @Test func liveEventsWaitForTheReplayAndGoOnceWithoutWhatItSent() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let hub = makeHub()
        let ids = ObjectIdGenerator()
        let ann = try room.connect(hub, as: "ann")
        room.run()
        try Self.drain([ann])

        let ben = try room.connect(hub, as: "ben", replaying: true)
        #expect(try ben.readEvents() == [.presence(users: ["ann", "ben"])], "presence comes first, replay or not")
        room.run()
        #expect(try ann.readEvents().map(\.type) == ["join"])

        // A page of history, written through the shard as HubConnection.writeReplay does.
        let history = Self.messages(3, from: "ann", ids: ids)
        let page = OutboundBatch(events: history.map(ChatEvent.message), excluding: nil)
        let flushed = ben.connection.shard.value.writeReplay(page, messages: history, to: ben.id)
        try flushed.wait()
        #expect(try ben.readEvents() == history.map(ChatEvent.message))

        // Live meanwhile: the newest replayed message also arrives live (stored just before the replay read it).
        let live = Self.messages(2, from: "cat", ids: ids)
        let cat = ChatEvent.join(user: "cat", time: Self.now())
        hub.broadcast(messages: [history[2]] + live)
        hub.broadcast(events: [cat])
        room.run()
        #expect(try ben.readFrames().isEmpty, "held back while replaying")
        #expect(try ann.readEvents() == ([history[2]] + live).map(ChatEvent.message) + [cat])

        ben.connection.shard.value.finishReplay(ben.id, after: nil)
        #expect(try ben.readBytes() == Self.encoded(live.map(ChatEvent.message) + [cat]),
                "what was held back, once, in order, without the replayed message")
        ben.connection.shard.value.finishReplay(ben.id, after: nil)
        #expect(try ben.readFrames().isEmpty, "nothing is held any more")

        let later = Self.messages(2, from: "ann", ids: ids)
        hub.broadcast(messages: later)
        room.run()
        #expect(try ben.readEvents() == later.map(ChatEvent.message), "live from now on")
    }

    @Test func finishingAReplaySkipsLiveMessagesAtOrBeforeItsCursor() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let hub = makeHub()
        let ids = ObjectIdGenerator()
        let ben = try room.connect(hub, as: "ben", replaying: true)
        try Self.drain([ben])

        // Another instance's feed may broadcast late what the client had seen up to its cursor.
        let now = Self.now()
        let seen = ChatMessage(id: ids.next(), user: "ann", text: "seen", time: now.addingTimeInterval(-10))
        let cursor = ChatMessage(id: ids.next(), user: "ann", text: "cursor", time: now.addingTimeInterval(-5))
        let tiedButEarlier = ChatMessage(id: ObjectId(hex: "000000000000000000000001")!, user: "ann", text: "tie", time: cursor.time)
        let after = ChatMessage(id: ids.next(), user: "ann", text: "after", time: now)
        let join = ChatEvent.join(user: "cat", time: now)
        hub.broadcast(messages: [seen, tiedButEarlier, cursor, after])
        hub.broadcast(events: [join])
        room.run()
        #expect(try ben.readFrames().isEmpty)

        ben.connection.shard.value.finishReplay(ben.id, after: (cursor.time, cursor.id))
        #expect(try ben.readEvents() == [.message(after), join], "history order is (time, id); presence events always pass")
    }

    @Test func aReplayThatFallsTooFarBehindIsCutOff() throws {
        let room = EmbeddedChatLoop()
        defer { room.finish() }
        let metrics = ChatMetrics()
        let hub = makeHub(metrics, replayBacklogLimit: 4)
        let ann = try room.connect(hub, as: "ann")
        room.run()
        let ben = try room.connect(hub, as: "ben", replaying: true)
        room.run()
        try Self.drain([ann, ben])

        hub.broadcast(messages: Self.messages(4))
        room.run()
        #expect(ben.isOpen, "at the limit")
        hub.broadcast(messages: Self.messages(1))
        room.run()
        #expect(!ben.isOpen)
        #expect(try ben.readFrames().isEmpty)
        #expect(metrics.slowDisconnects.load(ordering: .relaxed) == 1)
        #expect(try ann.readEvents().map(\.type) == Array(repeating: "message", count: 5) + ["leave"])
        #expect(hub.onlineUsers == ["ann"])
    }

    // MARK: keepalive

    @Test func aConnectionSilentForTwoPingIntervalsIsClosedAndOneThatAnswersStays() async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let hub = server.hub
            let interval = hub.pingInterval
            let silent = try room.attach(server, as: "ann")
            let answering = try room.attach(server, as: "ben")
            room.run()
            try Self.drain([silent, answering])

            // One timer per loop: every connection heard from lately is pinged.
            room.advanceTime(by: interval)
            for socket in [silent, answering] {
                let frames = try socket.readFrames()
                #expect(frames.map(\.opcode) == [.ping])
                #expect(frames.first?.length == 0)
                #expect(socket.isOpen)
            }

            // Silence is measured on the wall clock (`NIODeadline.now()`), which the embedded loop's time does
            // not move: both are aged as if nothing had been heard for two intervals; then one answers the ping.
            for socket in [silent, answering] {
                socket.state.lastHeard = .now() - interval - interval - .seconds(1)
            }
            try answering.send(.pong)
            room.advanceTime(by: interval)
            #expect(!silent.isOpen, "silent for two intervals")
            #expect(try silent.readFrames().isEmpty, "closed, not pinged again")
            #expect(answering.isOpen, "a pong counts as heard")
            let frames = try answering.readFrames()
            #expect(frames.first?.opcode == .ping)
            #expect(try WebSocketWire.events(Array(frames.dropFirst())).map { "\($0.type) \($0.user ?? "")" } == ["leave ann"])
            #expect(hub.connectionCount == 1)
        }
    }

    // MARK: the protocol handler

    /// Small limits: a message over 64 bytes, and more than 3 at once (refilled at one per 1,000 s).
    private static func handlerConfig() -> AppConfig {
        TestServer.config {
            $0.maxMessageBytes = 64
            $0.rateLimitBurst = 3
            $0.rateLimitPerSecond = 0.001
        }
    }

    @Test func aTextOverTheLimitGetsTooLong() async throws {
        try await TestServer.withContext(Self.handlerConfig()) { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            try ann.send(text: String(repeating: "x", count: 64))
            #expect(try ann.readFrames().isEmpty, "at the limit: queued for the store, nothing to say")
            try ann.send(text: String(repeating: "x", count: 65))
            let events = try ann.readEvents()
            #expect(events.map(\.code) == [.tooLong])
            #expect(events.first?.error?.contains("64") == true)
            #expect(ann.isOpen, "a refusal, not a protocol error")
            #expect(server.metrics.messagesRejected.load(ordering: .relaxed) == 1)
        }
    }

    @Test func aBinaryFrameGetsBinaryFrame() async throws {
        try await TestServer.withContext(Self.handlerConfig()) { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            try ann.send(.binary, Array("hello".utf8))
            #expect(try ann.readEvents().map(\.code) == [.binaryFrame])
            #expect(ann.isOpen)
            #expect(server.metrics.messagesRejected.load(ordering: .relaxed) == 1)
        }
    }

    @Test func moreMessagesThanTheBurstGetRateLimited() async throws {
        try await TestServer.withContext(Self.handlerConfig()) { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            let ben = try room.attach(server, as: "ben")
            try Self.drain([ann, ben])

            for index in 0..<3 {
                try ann.send(text: "message \(index)")
            }
            #expect(try ann.readFrames().isEmpty, "the burst is queued for the store")
            try ann.send(text: "one too many")
            #expect(try ann.readEvents().map(\.code) == [.rateLimited])
            try ben.send(text: "ben's own bucket")
            #expect(try ben.readFrames().isEmpty, "each user has a bucket of their own")
            let annAgain = try room.attach(server, as: "ann")
            try Self.drain([annAgain])
            try annAgain.send(text: "from a second tab")
            #expect(try annAgain.readEvents().map(\.code) == [.rateLimited], "a second socket shares the user's bucket")
            #expect(ann.isOpen)
            #expect(server.metrics.messagesRejected.load(ordering: .relaxed) == 2)
        }
    }

    @Test func aFrameOverTheFrameLimitClosesWith1009() async throws {
        try await TestServer.withContext(Self.handlerConfig()) { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            // Only the header: the decoder refuses the length before any payload arrives.
            try ann.channel.writeInbound(WebSocketWire.clientHeader(.text, announcing: WebSocketEndpoint.frameLimit(server.config) + 1))
            room.run()
            let frames = try ann.readFrames()
            #expect(frames.map(WebSocketWire.closeCode) == [1009])
            #expect(!ann.isOpen, "closed without waiting for an answer")
        }
    }

    // MARK: RFC 6455 framing and closing

    /// The socket's output since the last read is exactly one close frame with `code`, and the socket is closed
    /// (a failed connection does not wait for the client's answer).
    private static func expectFailed(_ socket: EmbeddedWebSocket, with code: UInt16,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let frames = try socket.readFrames()
        #expect(frames.map(WebSocketWire.closeCode) == [code], sourceLocation: sourceLocation)
        #expect(!socket.isOpen, "failed: closed without waiting for an answer", sourceLocation: sourceLocation)
    }

    @Test(arguments: [UInt8(0x40), 0x20, 0x10, 0x70])
    func aFrameWithAReservedBitSetFailsWith1002(_ rsv: UInt8) async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            // No extension is ever negotiated, so no bit has a meaning: not on text, not on a ping.
            try ann.channel.writeInbound(WebSocketWire.clientFrame(.text, Array("hi".utf8), rsv: rsv))
            try Self.expectFailed(ann, with: 1002)
            let ben = try room.attach(server, as: "ben")
            try Self.drain([ben])
            try ben.channel.writeInbound(WebSocketWire.clientFrame(.ping, [], rsv: rsv))
            try Self.expectFailed(ben, with: 1002)
        }
    }

    @Test(arguments: [WebSocketOpcode.text, .binary, .ping, .pong, .connectionClose])
    func anUnmaskedClientFrameFailsWith1002(_ opcode: WebSocketOpcode) async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            let payload = opcode == .connectionClose ? WebSocketWire.closePayload(1000) : Array("hi".utf8)
            try ann.channel.writeInbound(WebSocketWire.clientFrame(opcode, payload, masked: false))
            try Self.expectFailed(ann, with: 1002)
            #expect(server.metrics.messagesRejected.load(ordering: .relaxed) == 0, "failed, not refused as a message")
        }
    }

    @Test(arguments: Array(UInt8(0x3)...0x7) + Array(UInt8(0xB)...0xF))
    func aReservedOpcodeFailsWith1002(_ opcode: UInt8) async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            try ann.channel.writeInbound(WebSocketWire.clientFrame(rawOpcode: opcode, Array("?".utf8)))
            try Self.expectFailed(ann, with: 1002)
        }
    }

    /// NIO's decoder refuses these itself (an error the handler turns into 1002); the handler checks them again.
    @Test(arguments: [WebSocketOpcode.ping, .pong, .connectionClose])
    func aControlFrameOver125BytesOrFragmentedFailsWith1002(_ opcode: WebSocketOpcode) async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let long = try room.attach(server, as: "ann")
            let fragmented = try room.attach(server, as: "ben")
            let atTheLimit = try room.attach(server, as: "cat")
            try Self.drain([long, fragmented, atTheLimit])

            let payload = opcode == .connectionClose ? WebSocketWire.closePayload(1000, Array(repeating: 0x61, count: 124))
                : Array(repeating: 0x61, count: 126)
            try long.channel.writeInbound(WebSocketWire.clientFrame(opcode, payload))
            try Self.expectFailed(long, with: 1002)
            try fragmented.channel.writeInbound(WebSocketWire.clientFrame(opcode, [], fin: false))
            try Self.expectFailed(fragmented, with: 1002)

            // 125 bytes is allowed.
            try atTheLimit.channel.writeInbound(WebSocketWire.clientFrame(opcode, Array(payload.prefix(125))))
            let frames = try atTheLimit.readFrames()
            #expect(frames.allSatisfy { WebSocketWire.closeCode($0) != 1002 })
            if opcode == .ping { #expect(frames.map(\.length) == [125], "its pong") }
        }
    }

    @Test func handlerChecksTheFramingRulesNIOsDecoderAlreadyEnforces() {
        // Frames as a decoder that enforced nothing would hand them over.
        let key = WebSocketMaskingKey.random()
        let fragmentedPing = WebSocketFrame(fin: false, opcode: .ping, maskKey: key, data: ByteBuffer())
        let longPing = WebSocketFrame(fin: true, opcode: .ping, maskKey: key, data: ByteBuffer(repeating: 0, count: 126))
        #expect(ChatWebSocketHandler.framingProblem(fragmentedPing) == "fragmented control frame")
        #expect(ChatWebSocketHandler.framingProblem(longPing) == "control frame over 125 bytes")
        let fine = WebSocketFrame(fin: false, opcode: .text, maskKey: key, data: ByteBuffer(repeating: 0, count: 1000))
        #expect(ChatWebSocketHandler.framingProblem(fine) == nil)
    }

    @Test func afterAFailureNothingTheClientSendsIsProcessed() async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            let ben = try room.attach(server, as: "ben")
            room.run()
            try Self.drain([ann, ben])

            // In one read: the bad frame, then a ping, a message and a close that would each be answered.
            var bytes = WebSocketWire.clientFrame(.text, Array("bad".utf8), masked: false)
            for var frame in [WebSocketWire.clientFrame(.ping, Array("hello?".utf8)), WebSocketWire.clientFrame(.binary, [1]),
                              WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(1000))] {
                bytes.writeBuffer(&frame)
            }
            try ann.channel.writeInbound(bytes)
            try Self.expectFailed(ann, with: 1002)
            #expect(server.metrics.messagesRejected.load(ordering: .relaxed) == 0, "the binary frame was not looked at")
            room.run()
            #expect(try ben.readEvents().map { "\($0.type) \($0.user ?? "")" } == ["leave ann"])
        }
    }

    @Test(arguments: [UInt16(0), 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
    func aCloseCodeNotAllowedOnTheWireIsAnsweredWith1002AndNeverEchoed(_ code: UInt16) async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            try ann.send(.connectionClose, WebSocketWire.closePayload(code, Array("bye".utf8)))
            try Self.expectFailed(ann, with: 1002)
        }
    }

    @Test func aClosePayloadOfOneByteFailsWith1002() async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            try ann.send(.connectionClose, [0x03])
            try Self.expectFailed(ann, with: 1002)
        }
    }

    @Test(arguments: [[UInt8(0xFF)], [0x62, 0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80]])
    func aCloseReasonThatIsNotUTF8FailsWith1007(_ reason: [UInt8]) async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            // A lone 0xFF, a cut sequence, a surrogate, an overlong '/', and a code point over U+10FFFF.
            try ann.send(.connectionClose, WebSocketWire.closePayload(1000, reason))
            try Self.expectFailed(ann, with: 1007)
        }
    }

    @Test(arguments: [UInt16(1001), 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999])
    func everyCloseCodeAllowedOnTheWireIsEchoed(_ code: UInt16) async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            try ann.send(.connectionClose, WebSocketWire.closePayload(code, Array("tschüß 👋".utf8)))
            room.run()
            #expect(Array(try ann.readBytes().readableBytesView) == [0x88, 0x02, UInt8(code >> 8), UInt8(code & 0xFF)])
            #expect(!ann.isOpen)
        }
    }

    // MARK: pings against the outbound bound

    @Test func pingsWhileTheChannelIsNotWritableQueueNoPongsAndOnePongForTheLatestGoesOutLater() async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            // Past the high-water mark (see aConnectionStillUnwritableWhenABatchComesIsCutOffAndTheOthersGoOn):
            // 100,000 pings from a client that does not read add nothing to what waits for it.
            ann.channel.isWritable = false
            var pings = ByteBuffer()
            for index in 0..<100_000 {
                var frame = WebSocketWire.clientFrame(.ping, Array("ping \(index)".utf8))
                pings.writeBuffer(&frame)
            }
            try ann.channel.writeInbound(pings)
            #expect(try ann.readBytes().readableBytes == 0, "no pong queued while the channel cannot take more")
            ann.channel.pipeline.fireChannelWritabilityChanged()
            #expect(try ann.readBytes().readableBytes == 0, "still not writable")
            #expect(ann.isOpen)

            // Writable again: one pong, for the most recent ping only (RFC 6455 §5.5.3).
            ann.channel.isWritable = true
            ann.channel.pipeline.fireChannelWritabilityChanged()
            let frames = try ann.readFrames()
            #expect(frames.map(\.opcode) == [.pong])
            #expect(frames.first.map { String(buffer: $0.unmaskedData) } == "ping 99999")
            ann.channel.pipeline.fireChannelWritabilityChanged()
            #expect(try ann.readFrames().isEmpty, "sent once")

            // And while writable, every ping is answered at once.
            try ann.send(.ping, Array("now".utf8))
            try ann.send(.ping, Array("and now".utf8))
            #expect(try ann.readFrames().map { String(buffer: $0.unmaskedData) } == ["now", "and now"])
        }
    }

    @Test func aPongHeldBackIsNotSentAfterTheCloseFrame() async throws {
        try await TestServer.withContext { server in
            let room = EmbeddedChatLoop()
            defer { room.finish() }
            let ann = try room.attach(server, as: "ann")
            try Self.drain([ann])

            ann.channel.isWritable = false
            try ann.send(.ping, Array("late".utf8))
            ann.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            ann.channel.isWritable = true
            ann.channel.pipeline.fireChannelWritabilityChanged()
            let frames = try ann.readFrames()
            #expect(frames.map(WebSocketWire.closeCode) == [1001], "the close frame, and no pong after it")
        }
    }

    // MARK: the hub's async entry points

    /// On `NIOAsyncTestingEventLoop`s, which may be driven from any thread, so that `ChatHub`'s own async
    /// calls (not only what they submit) run: an `EmbeddedEventLoop` runs nothing until its thread runs it.
    @Test func closeAllAndCloseChannelsReachEveryEventLoop() async throws {
        let hub = makeHub()
        let loops = [NIOAsyncTestingEventLoop(), NIOAsyncTestingEventLoop()]
        var channels: [NIOAsyncTestingChannel] = []
        for (index, loop) in loops.enumerated() {
            let channel = NIOAsyncTestingChannel(loop: loop)
            try await loop.executeInContext {
                try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
                channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 40_000 + index), promise: nil)
                _ = try hub.register(login: "user\(index)", channel: channel, replaying: false)
            }
            channels.append(channel)
        }
        for loop in loops { await loop.run() }
        for channel in channels { _ = try await Self.readAll(channel) }

        await hub.closeAll()
        hub.broadcast(messages: Self.messages(2))
        for loop in loops { await loop.run() }
        for channel in channels {
            let frames = try WebSocketWire.decode(try await Self.readAll(channel))
            #expect(frames.map(WebSocketWire.closeCode) == [1001], "one going-away frame on each loop, then nothing")
            #expect(channel.isActive)
        }

        await hub.closeChannels()
        for channel in channels {
            #expect(!channel.isActive)
            _ = try? await channel.finish(acceptAlreadyClosed: true)
        }
        for loop in loops { await loop.shutdownGracefully() }
    }

    @Test func replayThroughTheConnectionsAsyncCallsHoldsLiveEventsBack() async throws {
        let hub = makeHub()
        let loop = NIOAsyncTestingEventLoop()
        let channel = NIOAsyncTestingChannel(loop: loop)
        let connection = try await loop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
            channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 40_000), promise: nil)
            return try hub.register(login: "ann", channel: channel, replaying: true).0
        }
        await loop.run()
        let ids = ObjectIdGenerator()
        let history = Self.messages(3, ids: ids)
        let live = Self.messages(2, from: "ben", ids: ids)

        try await connection.writeReplay(history)
        hub.broadcast(messages: [history[2]] + live)
        await loop.run()
        try await connection.finishReplay()
        await loop.run()
        let events = try WebSocketWire.events(WebSocketWire.decode(try await Self.readAll(channel)))
        #expect(events == [.presence(users: ["ann"])] + (history + live).map(ChatEvent.message))

        _ = try? await channel.finish(acceptAlreadyClosed: true)
        await loop.shutdownGracefully()
    }

    private static func readAll(_ channel: NIOAsyncTestingChannel) async throws -> ByteBuffer {
        var bytes = ByteBuffer()
        while var chunk = try await channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&chunk) }
        return bytes
    }
}
