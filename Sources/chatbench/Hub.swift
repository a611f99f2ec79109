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

/// memmem(3) (a GNU extension the Glibc module does not export).
@inline(__always)
func findBytes(_ hay: UnsafeRawPointer, _ n: Int, _ needle: UnsafeRawPointer, _ m: Int) -> UnsafeRawPointer? {
    guard m > 0, n >= m else { return nil }
    let first = Int32(needle.load(as: UInt8.self))
    var p = hay
    let last = hay + (n - m)
    while p <= last {
        guard let hit = memchr(p, first, last - p + 1) else { return nil }
        let h = UnsafeRawPointer(hit)
        if memcmp(h, needle, m) == 0 { return h }
        p = h + 1
    }
    return nil
}
