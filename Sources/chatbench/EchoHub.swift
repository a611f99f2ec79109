// The broadcast state of `chatbench echo-server` (see EchoServer.swift).

import NIOCore

final class EchoHub: @unchecked Sendable {
    var conns: [ObjectIdentifier: EchoConn] = [:]
    var batch: ByteBuffer
    init() { batch = ByteBufferAllocator().buffer(capacity: 1 << 16) }

    func flushBatch() {
        guard batch.readableBytes > 0 else { return }
        let b = batch
        for (_, c) in conns where c.open { c.context?.writeAndFlush(NIOAny(b), promise: nil) }
        batch = ByteBufferAllocator().buffer(capacity: max(1 << 16, b.readableBytes))
    }
}
