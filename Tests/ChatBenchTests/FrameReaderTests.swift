// The load generator's own parts: upgrade request, frame reader (split anywhere), token accounting, masking.
// No timing assertions: everything runs on an EmbeddedChannel.
import NIOCore
import NIOEmbedded
import Testing

@testable import chatbench

private let run: UInt64 = 4242

private func serverFrame(opcode: UInt8 = 1, _ payload: [UInt8]) -> [UInt8] {
    var f: [UInt8] = [0x80 | opcode]
    if payload.count < 126 {
        f.append(UInt8(payload.count))
    } else {
        f.append(126)
        f.append(UInt8(payload.count >> 8))
        f.append(UInt8(payload.count & 0xff))
    }
    return f + payload
}

private func text(_ s: String) -> [UInt8] { serverFrame(Array(s.utf8)) }

/// A handshake response followed by: three distinct deliveries from sender 0 (plain, JSON, long), one duplicate,
/// a ping, a foreign token, a join notice.
private func script() -> [UInt8] {
    var bytes = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n".utf8)
    bytes += text("(alice) bench:\(run):0:0:100")
    bytes += text(#"{"type":"message","id":"0123456789abcdef01234567","user":"alice","text":"bench:\#(run):0:1:200","time":"2026-11-24T19:00:00.123Z"}"#)
    bytes += serverFrame(opcode: 9, Array("ping".utf8))
    bytes += text("(alice) bench:\(run):0:1:200")   // duplicate
    bytes += text("(alice) bench:999:0:0:1")         // another run's token
    bytes += text("bob joined")
    bytes += text("(alice) bench:\(run):0:2:300 " + String(repeating: "x", count: 300))
    return bytes
}

private func makeHub(_ loop: EmbeddedEventLoop) throws -> Hub {
    let hub = Hub(loop: loop, url: try ServerURL("http://127.0.0.1:1"), cookies: ["chat_session=abc"],
                  clients: 2, senders: 1, window: 8, payloadSize: 0, run: run)
    hub.nextSeq[0] = 3   // as if sender 0 had sent seq 0, 1, 2
    hub.toLaunch = hub.clientCount   // nothing left to connect: handshakes must not open real sockets
    return hub
}

@Suite("chatbench frame reader")
struct FrameReaderTests {
    @Test("upgrade request carries the cookie and the WebSocket headers")
    func upgradeRequest() throws {
        let loop = EmbeddedEventLoop()
        let hub = try makeHub(loop)
        let channel = EmbeddedChannel(handler: WSConn(hub: hub, index: 1, cookie: "chat_session=abc"), loop: loop)
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let out = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let request = String(buffer: out)
        #expect(request.hasPrefix("GET /ws HTTP/1.1\r\n"))
        #expect(request.contains("Upgrade: websocket\r\n"))
        #expect(request.contains("Sec-WebSocket-Version: 13\r\n"))
        #expect(request.contains("Cookie: chat_session=abc\r\n"))
        #expect(request.hasSuffix("\r\n\r\n"))
    }

    @Test("frames are counted the same wherever the stream is split")
    func splitAnywhere() throws {
        let bytes = script()
        for cut in stride(from: 1, to: bytes.count, by: 1) {
            let loop = EmbeddedEventLoop()
            let hub = try makeHub(loop)
            let channel = EmbeddedChannel(handler: WSConn(hub: hub, index: 1, cookie: ""), loop: loop)
            try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            _ = try channel.readOutbound(as: ByteBuffer.self)  // the upgrade request
            for part in [bytes[..<cut], bytes[cut...]] {
                try channel.writeInbound(ByteBuffer(bytes: Array(part)))
            }
            #expect(hub.c.upgraded == 1, "cut \(cut)")
            #expect(hub.c.uniqueDeliveries == 3, "cut \(cut)")
            #expect(hub.c.duplicates == 1, "cut \(cut)")
            #expect(hub.c.foreignTokens == 1, "cut \(cut)")
            #expect(hub.c.otherFrames == 1, "cut \(cut)")
            #expect(hub.lostCount() == 3, "cut \(cut)")   // 3 messages × 2 clients, only client 1 listened
            // the ping was answered with a masked pong
            let pong = try #require(try channel.readOutbound(as: ByteBuffer.self), "cut \(cut)")
            #expect(pong.getInteger(at: pong.readerIndex, as: UInt8.self) == 0x8A)
            #expect(pong.getInteger(at: pong.readerIndex + 1, as: UInt8.self) == 0x84)
            _ = try? channel.finish()
        }
    }

    @Test("a non-101 answer is a failed upgrade, not a connection")
    func refused() throws {
        let loop = EmbeddedEventLoop()
        let hub = try makeHub(loop)
        let channel = EmbeddedChannel(handler: WSConn(hub: hub, index: 1, cookie: ""), loop: loop)
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"))
        #expect(hub.c.upgraded == 0)
        #expect(hub.c.failed == 1)
        #expect(hub.c.failureReasons["HTTP 401 on /ws"] == 1)
    }

    @Test("client frames are masked and carry the token")
    func masking() throws {
        let loop = EmbeddedEventLoop()
        let hub = try makeHub(loop)
        hub.nextSeq[0] = 7
        var out = ByteBufferAllocator().buffer(capacity: 128)
        hub.appendMessage(to: &out, sender: 0)
        let bytes = Array(out.readableBytesView)
        #expect(bytes[0] == 0x81)
        #expect(bytes[1] & 0x80 == 0x80)
        let len = Int(bytes[1] & 0x7f)
        let key = Array(bytes[2..<6])
        let payload = (0..<len).map { bytes[6 + $0] ^ key[$0 & 3] }
        let textValue = String(decoding: payload, as: UTF8.self)
        #expect(textValue.hasPrefix("bench:\(run):0:7:"))
        #expect(hub.nextSeq[0] == 8)
        #expect(hub.c.messagesSent == 1)
    }

    @Test("dates and JSON output")
    func formatting() {
        #expect(isoDate(0) == "1970-01-01T00:00:00.000Z")
        #expect(isoDate(1_795_554_757_123) == "2026-11-24T21:12:37.123Z")
        #expect(isoDate(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(JSON.object([("a", .int(1)), ("b", .string("x\"y")), ("c", .array([.null, .bool(true)]))]).text
                == #"{"a":1,"b":"x\"y","c":[null,true]}"#)
        #expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5)
        #expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99) == 10)
    }
}
