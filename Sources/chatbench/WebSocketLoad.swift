// The WebSocket side of the load generator, on SwiftNIO's channel layer directly:
// a raw HTTP/1.1 upgrade, masked client frames written in batches, and a frame reader that walks each
// ByteBuffer read from the socket in place (many frames per read, no per-frame allocation).
//
// Everything here runs on ONE event loop thread: the Hub and every connection handler are only touched
// from that loop (the main thread talks to it through `loop.submit`), hence the unchecked Sendable.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore
import NIOPosix

/// A token embedded in every message: "bench:<run>:<sender>:<seq>:<monotonic send ns>".
/// It is found by scanning the frame payload, so plain-text and JSON servers both work.
let tokenPrefix: [UInt8] = Array("bench:".utf8)
let errorNeedle: [UInt8] = Array("\"type\":\"error\"".utf8)

struct HubCounters: Sendable {
    var now: Int64 = 0
    var messagesSent: Int64 = 0
    var uniqueDeliveries: Int64 = 0
    var duplicates: Int64 = 0
    var foreignTokens: Int64 = 0
    var otherFrames: Int64 = 0
    var errorFrames: Int64 = 0
    var framesReceived: Int64 = 0
    var bytesReceived: Int64 = 0
    var reads: Int64 = 0
    var upgraded: Int = 0
    var failed: Int = 0
    var closedAfterUpgrade: Int = 0
    var attempted: Int = 0
    var lastUpgradeNs: Int64 = 0
    var lastFrameNs: Int64 = 0
    var failureReasons: [String: Int] = [:]
}

final class Hub: @unchecked Sendable {
    let loop: any EventLoop
    /// Made on first use: an EmbeddedEventLoop (tests) cannot carry a ClientBootstrap.
    lazy var bootstrap: ClientBootstrap = ClientBootstrap(group: loop)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 2048, initial: 16384, maximum: 1 << 20))
        .connectTimeout(.seconds(30))
    let url: ServerURL
    let cookies: [String]
    let run: UInt64
    let clientCount: Int
    let senderCount: Int
    var window: Int
    var padding: [UInt8]

    var conns: [WSConn?]
    var all: [WSConn] = []   // every handler, upgraded or not (closed at the end)
    var stopping = false
    var c = HubCounters()

    // Sending state, per sender (senders are connections 0..<senderCount).
    var nextSeq: [Int]
    var inflight: [Int]
    var dirty: [Bool]
    var dirtyList: [Int] = []
    var sending = false
    var windowed = false   // fan-out: acks open the window; latency mode sends on timers instead
    var ackConn: [Int]

    // Delivery bookkeeping: one bit per (receiver, sender, seq).
    var words = 0
    var bits: UnsafeMutablePointer<UInt64>? = nil

    // Latency samples (ns) of messages sent in [recordFrom, recordTo) (monotonic ns).
    var recordFrom = Int64.max
    var recordTo = Int64.max
    var messageLimit = Int.max
    var latencies: [Int64] = []
    var latencyCap = 50_000_000

    // Connection ramp-up.
    var toLaunch = 0
    var inProgress = 0
    var concurrency = 64

    var rng = XorShift(seed: randomSeed())

    init(loop: any EventLoop, url: ServerURL, cookies: [String], clients: Int, senders: Int, window: Int, payloadSize: Int,
         run: UInt64? = nil) {
        self.loop = loop
        self.url = url
        self.cookies = cookies
        self.clientCount = clients
        self.senderCount = senders
        self.window = window
        self.run = run ?? UInt64(randomSeed() % 1_000_000_000)
        self.conns = Array(repeating: nil, count: clients)
        self.nextSeq = Array(repeating: 0, count: senders)
        self.inflight = Array(repeating: 0, count: senders)
        self.dirty = Array(repeating: false, count: senders)
        self.ackConn = Array(0..<senders)
        // A token is ~40 bytes; pad the message to payloadSize with 'x'.
        self.padding = payloadSize > 45 ? [UInt8(ascii: " ")] + Array(repeating: UInt8(ascii: "x"), count: payloadSize - 45) : []
        if senders > 0 { growBits(to: 1024) }
    }

    deinit { bits?.deallocate() }

    // MARK: bit set

    func growBits(to newWords: Int) {
        let rows = clientCount * senderCount
        let nb = UnsafeMutablePointer<UInt64>.allocate(capacity: rows * newWords)
        nb.initialize(repeating: 0, count: rows * newWords)
        if let old = bits {
            for r in 0..<rows { (nb + r * newWords).update(from: old + r * words, count: words) }
            old.deallocate()
        }
        bits = nb
        words = newWords
    }

    // MARK: connections

    /// Opens `clientCount` connections, at most `concurrency` handshakes at a time. Loop only.
    func startConnecting(concurrency: Int) {
        self.concurrency = max(1, concurrency)
        toLaunch = 0
        launchMore()
    }

    func launchMore() {
        while !stopping && inProgress < concurrency && toLaunch < clientCount {
            let index = toLaunch
            toLaunch += 1
            inProgress += 1
            c.attempted += 1
            let cookie = cookies.isEmpty ? "" : cookies[index % cookies.count]
            let hub = self
            bootstrap.channelInitializer { channel in
                let handler = WSConn(hub: hub, index: index, cookie: cookie)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: url.host, port: url.port)
            .whenFailure { error in
                hub.handshakeDone(index: index, ok: false, reason: "connect: \(error)")
            }
        }
    }

    func handshakeDone(index: Int, ok: Bool, reason: String = "") {
        inProgress -= 1
        if ok {
            c.upgraded += 1
            c.lastUpgradeNs = monoNow()
        } else {
            c.failed += 1
            c.failureReasons[reason, default: 0] += 1
        }
        launchMore()
    }

    func closeAll() {
        sending = false
        stopping = true
        for conn in all { conn.context?.close(promise: nil) }
    }

    // MARK: sending

    @inline(__always)
    func appendMessage(to out: inout ByteBuffer, sender s: Int) {
        let seq = nextSeq[s]
        nextSeq[s] = seq + 1
        c.messagesSent += 1
        let text = "bench:\(run):\(s):\(seq):\(monoNow())"
        var len = text.utf8.count + padding.count
        if len > 65535 { len = 65535 }
        out.writeInteger(UInt8(0x81))
        if len < 126 {
            out.writeInteger(UInt8(0x80 | len))
        } else {
            out.writeInteger(UInt8(0x80 | 126))
            out.writeInteger(UInt16(len))
        }
        let mask = UInt32(truncatingIfNeeded: rng.next())
        out.writeInteger(mask)
        let m0 = UInt8(mask >> 24), m1 = UInt8((mask >> 16) & 0xff), m2 = UInt8((mask >> 8) & 0xff), m3 = UInt8(mask & 0xff)
        var i = 0
        @inline(__always) func put(_ b: UInt8) {
            let k: UInt8
            switch i & 3 { case 0: k = m0; case 1: k = m1; case 2: k = m2; default: k = m3 }
            out.writeInteger(b ^ k)
            i += 1
        }
        for b in text.utf8 { put(b) }
        for b in padding { if i >= len { break }; put(b) }
    }

    /// Tops up every sender whose window opened. Called at the end of each read batch.
    func pumpDirty() {
        guard !dirtyList.isEmpty else { return }
        let list = dirtyList
        dirtyList.removeAll(keepingCapacity: true)
        for s in list {
            dirty[s] = false
            pump(sender: s)
        }
    }

    func pump(sender s: Int) {
        guard sending, let conn = conns[s], let ctx = conn.context, conn.isOpen else { return }
        let n = min(window - inflight[s], messageLimit - nextSeq[s])
        guard n > 0 else { return }
        var out = ctx.channel.allocator.buffer(capacity: n * (56 + padding.count))
        for _ in 0..<n { appendMessage(to: &out, sender: s) }
        inflight[s] += n
        ctx.writeAndFlush(NIOAny(out), promise: nil)
    }

    /// Latency mode: one message, one flush.
    func sendOne(sender s: Int) {
        guard sending, let conn = conns[s], let ctx = conn.context, conn.isOpen else { return }
        var out = ctx.channel.allocator.buffer(capacity: 64 + padding.count)
        appendMessage(to: &out, sender: s)
        inflight[s] += 1
        ctx.writeAndFlush(NIOAny(out), promise: nil)
    }

    func startWindowed() {
        sending = true
        windowed = true
        for s in 0..<senderCount { pump(sender: s) }
    }

    // MARK: receiving

    /// A text frame's payload. `now` is the monotonic time of the read it arrived in.
    @inline(__always)
    func payload(receiver r: Int, _ p: UnsafeRawPointer, _ len: Int, now: Int64) {
        c.framesReceived += 1
        guard len >= 6, let hit = findBytes(p, len, tokenPrefix, 6) else {
            otherPayload(p, len)
            return
        }
        var q = hit + 6
        let end = p + len
        @inline(__always) func number() -> UInt64? {
            var v: UInt64 = 0
            var any = false
            while q < end {
                let d = q.load(as: UInt8.self) &- 48
                if d > 9 { break }
                v = v &* 10 &+ UInt64(d)
                any = true
                q += 1
            }
            guard any else { return nil }
            if q < end && q.load(as: UInt8.self) == UInt8(ascii: ":") { q += 1 }
            return v
        }
        guard let runId = number(), runId == run, let s64 = number(), let seq64 = number(), let sent = number() else {
            c.foreignTokens += 1
            return
        }
        let s = Int(s64), seq = Int(seq64)
        guard s < senderCount, seq < nextSeq[s] else { c.foreignTokens += 1; return }
        if seq >> 6 >= words {
            var nw = words * 2
            while seq >> 6 >= nw { nw *= 2 }
            growBits(to: nw)
        }
        let idx = (r * senderCount + s) * words + (seq >> 6)
        let bit: UInt64 = 1 << UInt64(seq & 63)
        let w = bits![idx]
        if w & bit != 0 { c.duplicates += 1; return }
        bits![idx] = w | bit
        c.uniqueDeliveries += 1
        let sentNs = Int64(sent)
        if sentNs >= recordFrom && sentNs < recordTo && latencies.count < latencyCap { latencies.append(now - sentNs) }
        if ackConn[s] == r {
            inflight[s] -= 1
            if windowed && !dirty[s] { dirty[s] = true; dirtyList.append(s) }
        }
    }

    func otherPayload(_ p: UnsafeRawPointer, _ len: Int) {
        c.otherFrames += 1
        // chatctl reports rejected messages as {"type":"error",...}
        if len >= errorNeedle.count, findBytes(p, len, errorNeedle, errorNeedle.count) != nil { c.errorFrames += 1 }
    }

    /// Counts (receiver, sender) pairs by expected minus received; loop only.
    func lostCount() -> Int64 {
        var expected: Int64 = 0
        for s in 0..<senderCount { expected += Int64(nextSeq[s]) }
        return expected * Int64(clientCount) - c.uniqueDeliveries
    }
}

final class WSConn: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let hub: Hub
    let index: Int
    let cookie: String
    var context: ChannelHandlerContext?
    var upgraded = false
    var handshakeReported = false
    var isOpen = false
    var pending: ByteBuffer?
    var pongs: [[UInt8]] = []

    init(hub: Hub, index: Int, cookie: String) {
        self.hub = hub
        self.index = index
        self.cookie = cookie
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        hub.all.append(self)
    }

    func channelActive(context: ChannelHandlerContext) {
        var key = [UInt8]()
        for _ in 0..<16 { key.append(UInt8(truncatingIfNeeded: hub.rng.next())) }
        var req = "GET /ws HTTP/1.1\r\nHost: \(hub.url.hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        req += "Sec-WebSocket-Key: \(base64(key))\r\nSec-WebSocket-Version: 13\r\nUser-Agent: chatbench\r\n"
        if !cookie.isEmpty { req += "Cookie: \(cookie)\r\n" }
        req += "\r\n"
        var buf = context.channel.allocator.buffer(capacity: req.utf8.count)
        buf.writeString(req)
        context.writeAndFlush(NIOAny(buf), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buf = unwrapInboundIn(data)
        let now = monoNow()
        hub.c.reads += 1
        hub.c.bytesReceived += Int64(buf.readableBytes)
        hub.c.lastFrameNs = now
        if var p = pending {
            p.writeBuffer(&buf)
            pending = nil
            process(&p, context: context, now: now)
        } else {
            process(&buf, context: context, now: now)
        }
    }

    private func process(_ buf: inout ByteBuffer, context: ChannelHandlerContext, now: Int64) {
        // An incomplete handshake response stays in `pending` like a partial frame (a failed one is consumed).
        if upgraded || handshake(&buf, context: context) {
            parseFrames(&buf, context: context, now: now)
        }
        if buf.readableBytes > 0 {
            // Keep only the unparsed tail (a partial frame).
            var rest = context.channel.allocator.buffer(capacity: max(buf.readableBytes, 4096))
            rest.writeBuffer(&buf)
            pending = rest
        }
    }

    /// Consumes the 101 response; false while incomplete or on failure.
    private func handshake(_ buf: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        let end: Int? = buf.withUnsafeReadableBytes { p in
            guard p.count >= 4 else { return nil }
            for i in 0...(p.count - 4) where p[i] == 13 && p[i + 1] == 10 && p[i + 2] == 13 && p[i + 3] == 10 {
                return i + 4
            }
            return nil
        }
        guard let end else {
            if buf.readableBytes > 65536 { fail(context, "oversized handshake response") }
            return false
        }
        let head = buf.readString(length: end) ?? ""
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        if parts.count >= 2 && parts[1] == "101" {
            upgraded = true
            isOpen = true
            hub.conns[index] = self
            handshakeReported = true
            hub.handshakeDone(index: index, ok: true)
            return true
        }
        fail(context, "HTTP \(parts.count >= 2 ? String(parts[1]) : "?") on /ws")
        buf.moveReaderIndex(to: buf.writerIndex)
        return false
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        if !handshakeReported {
            handshakeReported = true
            hub.handshakeDone(index: index, ok: false, reason: reason)
        }
        context.close(promise: nil)
    }

    @inline(__always)
    private func parseFrames(_ buf: inout ByteBuffer, context: ChannelHandlerContext, now: Int64) {
        let hub = self.hub
        let r = index
        var closeSeen = false
        let consumed: Int = buf.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return 0 }
            let n = raw.count
            var i = 0
            while n - i >= 2 {
                let b0 = base.load(fromByteOffset: i, as: UInt8.self)
                let b1 = base.load(fromByteOffset: i + 1, as: UInt8.self)
                var len = Int(b1 & 0x7f)
                var hdr = 2
                if len == 126 {
                    guard n - i >= 4 else { break }
                    len = Int(base.load(fromByteOffset: i + 2, as: UInt8.self)) << 8 | Int(base.load(fromByteOffset: i + 3, as: UInt8.self))
                    hdr = 4
                } else if len == 127 {
                    guard n - i >= 10 else { break }
                    var v = 0
                    for k in 2..<10 { v = v << 8 | Int(base.load(fromByteOffset: i + k, as: UInt8.self)) }
                    len = v
                    hdr = 10
                }
                let masked = b1 & 0x80 != 0
                if masked { hdr += 4 }
                guard n - i - hdr >= len else { break }
                let opcode = b0 & 0x0f
                let payload = base + i + hdr
                switch opcode {
                case 0, 1, 2:
                    if masked {
                        // Servers must not mask; unmask a copy anyway.
                        let key = base + i + hdr - 4
                        var copy = [UInt8](repeating: 0, count: len)
                        for k in 0..<len { copy[k] = payload.load(fromByteOffset: k, as: UInt8.self) ^ key.load(fromByteOffset: k & 3, as: UInt8.self) }
                        copy.withUnsafeBytes { hub.payload(receiver: r, $0.baseAddress!, len, now: now) }
                    } else {
                        hub.payload(receiver: r, payload, len, now: now)
                    }
                case 8:
                    closeSeen = true
                case 9:
                    pongs.append(Array(UnsafeRawBufferPointer(start: payload, count: min(len, 125))))
                default:
                    break
                }
                i += hdr + len
            }
            return i
        }
        buf.moveReaderIndex(forwardBy: consumed)
        if !pongs.isEmpty {
            for p in pongs { writeControl(opcode: 0xA, payload: p, context: context) }
            pongs.removeAll()
            context.flush()
        }
        if closeSeen {
            writeControl(opcode: 0x8, payload: [0x03, 0xE8], context: context)
            context.flush()
            context.close(promise: nil)
        }
    }

    private func writeControl(opcode: UInt8, payload: [UInt8], context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: payload.count + 6)
        out.writeInteger(UInt8(0x80 | opcode))
        out.writeInteger(UInt8(0x80 | payload.count))
        let key = UInt32(truncatingIfNeeded: hub.rng.next())
        out.writeInteger(key)
        let k: [UInt8] = [UInt8(key >> 24), UInt8((key >> 16) & 0xff), UInt8((key >> 8) & 0xff), UInt8(key & 0xff)]
        for (j, b) in payload.enumerated() { out.writeInteger(b ^ k[j & 3]) }
        context.write(NIOAny(out), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        hub.pumpDirty()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !handshakeReported {
            handshakeReported = true
            hub.handshakeDone(index: index, ok: false, reason: "closed before upgrade")
        } else if isOpen {
            hub.c.closedAfterUpgrade += 1
        }
        isOpen = false
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

func base64(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out = [UInt8]()
    var i = 0
    while i < bytes.count {
        let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
        out.append(table[Int(b0 >> 2)])
        out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
        out.append(i + 1 < bytes.count ? table[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
        out.append(i + 2 < bytes.count ? table[Int(b2 & 63)] : UInt8(ascii: "="))
        i += 3
    }
    return String(decoding: out, as: UTF8.self)
}
