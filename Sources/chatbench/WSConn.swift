// One load-generating WebSocket connection (see Hub.swift): raw upgrade, in-place frame reader, masked control frames.

import NIOCore

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
        let end: Int? = buf.withUnsafeReadableBytes(headEnd).map { $0 + 4 }
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
