import ChatModel
import Foundation
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

final class ReplayState {
    var pending: [OutboundBatch.Item] = []
    /// Ids of replayed messages young enough to also arrive live; older ones cannot be duplicated.
    var recentReplayed: Set<ObjectId> = []
    let registered = Date()
}
