import Foundation
import Synchronization

/// Message ids already shown, so a replay after a reconnect never prints one twice.
struct SeenIDs {
    private var set: Set<String> = []
    private var order: [String] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// True the first time `id` is seen.
    mutating func insert(_ id: String) -> Bool {
        guard set.insert(id).inserted else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            set.remove(order[head])
            order[head] = id
            head = (head + 1) % capacity
        }
        return true
    }
}
