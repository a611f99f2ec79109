import Foundation
import Synchronization

/// Makes ObjectIds that increase within this process: same second → larger counter.
public final class ObjectIdGenerator: Sendable {
    private struct State {
        var counter: UInt32
    }
    private let processUnique: UInt64  // 5 random bytes
    private let state: Mutex<State>

    public init() {
        processUnique = UInt64.random(in: 0...0xFF_FFFF_FFFF)
        state = Mutex(State(counter: UInt32.random(in: 0...0xFF_FFFF)))
    }

    public func next(at date: Date = Date()) -> ObjectId {
        let seconds = UInt32(clamping: Int64(date.timeIntervalSince1970.rounded(.down)))
        let counter = state.withLock { state -> UInt32 in
            state.counter = (state.counter &+ 1) & 0xFF_FFFF
            return state.counter
        }
        // high = seconds(4) | unique(4 of 5); low = unique(1 of 5) | counter(3)
        let high = UInt64(seconds) << 32 | (processUnique >> 8)
        let low = UInt32(truncatingIfNeeded: processUnique & 0xFF) << 24 | counter
        return ObjectId(high: high, low: low)
    }
}
