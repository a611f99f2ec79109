import ChatModel
import Foundation
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// One batch of events, encoded once: each item's frame is a slice of `combined`.
struct OutboundBatch: Sendable {
    struct Item: Sendable {
        let messageID: ObjectId?
        let messageTime: Date?
        let frame: ByteBuffer
    }

    let items: [Item]
    let combined: ByteBuffer
    let excluding: UInt64?

    init(events: [ChatEvent], excluding: UInt64?) {
        var combined = ByteBuffer()
        var ranges: [(ObjectId?, Date?, Int, Int)] = []
        ranges.reserveCapacity(events.count)
        for event in events {
            let start = combined.writerIndex
            ServerFrame.appendText(event.json, to: &combined)
            if case .message(let message) = event {
                ranges.append((message.id, message.time, start, combined.writerIndex - start))
            } else {
                ranges.append((nil, nil, start, combined.writerIndex - start))
            }
        }
        self.combined = combined
        self.items = ranges.map { id, time, start, length in
            Item(messageID: id, messageTime: time, frame: combined.getSlice(at: start, length: length) ?? ByteBuffer())
        }
        self.excluding = excluding
    }
}
