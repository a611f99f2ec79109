// One connection of `chatbench echo-server` (see EchoServer.swift): HTTP answers, then frames into the hub's batch.

import NIOCore

final class EchoConn: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let hub: EchoHub
    var context: ChannelHandlerContext?
    var pending: ByteBuffer?
    var open = false

    init(hub: EchoHub) { self.hub = hub }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buf = unwrapInboundIn(data)
        if var p = pending { p.writeBuffer(&buf); buf = p; pending = nil }
        while true {
            if !open {
                guard let r = httpRequest(&buf, context: context) else { break }
                if !r { return }
            } else {
                guard frame(&buf, context: context) else { break }
            }
        }
        if buf.readableBytes > 0 { pending = buf }
    }

    func channelReadComplete(context: ChannelHandlerContext) { hub.flushBatch() }

    /// nil: need more bytes; false: connection closed; true: handled one request.
    private func httpRequest(_ buf: inout ByteBuffer, context: ChannelHandlerContext) -> Bool? {
        let view = buf.readableBytesView
        guard let end = buf.withUnsafeReadableBytes(headEnd) else { return nil }
        let head = String(decoding: view.prefix(end), as: UTF8.self)
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters()) ?? 0
        }
        guard buf.readableBytes >= end + 4 + length else { return nil }
        buf.moveReaderIndex(forwardBy: end + 4 + length)
        var out = context.channel.allocator.buffer(capacity: 256)
        if head.hasPrefix("GET /ws") {
            out.writeString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n")
            open = true
            hub.conns[ObjectIdentifier(self)] = self
        } else if head.hasPrefix("POST") {
            out.writeString("HTTP/1.1 302 Found\r\nLocation: /\r\nSet-Cookie: echo=1; Path=/\r\nContent-Length: 0\r\n\r\n")
        } else {
            out.writeString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        }
        context.writeAndFlush(NIOAny(out), promise: nil)
        return true
    }

    /// One masked client frame → broadcast batch. false: need more bytes.
    private func frame(_ buf: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        guard buf.readableBytes >= 2, let b0 = buf.getInteger(at: buf.readerIndex, as: UInt8.self),
              let b1 = buf.getInteger(at: buf.readerIndex + 1, as: UInt8.self) else { return false }
        var len = Int(b1 & 0x7f), hdr = 2
        if len == 126 {
            guard let l = buf.getInteger(at: buf.readerIndex + 2, as: UInt16.self) else { return false }
            len = Int(l); hdr = 4
        } else if len == 127 {
            guard let l = buf.getInteger(at: buf.readerIndex + 2, as: UInt64.self) else { return false }
            len = Int(l); hdr = 10
        }
        let masked = b1 & 0x80 != 0
        if masked { hdr += 4 }
        guard buf.readableBytes >= hdr + len else { return false }
        let maskKey = masked ? buf.getBytes(at: buf.readerIndex + hdr - 4, length: 4)! : [0, 0, 0, 0]
        var payload = buf.getBytes(at: buf.readerIndex + hdr, length: len)!
        buf.moveReaderIndex(forwardBy: hdr + len)
        for i in 0..<payload.count { payload[i] ^= maskKey[i & 3] }
        switch b0 & 0x0f {
        case 1, 2:
            hub.batch.writeInteger(UInt8(0x81))
            if len < 126 { hub.batch.writeInteger(UInt8(len)) } else { hub.batch.writeInteger(UInt8(126)); hub.batch.writeInteger(UInt16(len)) }
            hub.batch.writeBytes(payload)
        case 8:
            context.close(promise: nil)
        default:
            break
        }
        return true
    }

    func channelInactive(context: ChannelHandlerContext) {
        open = false
        hub.conns[ObjectIdentifier(self)] = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
