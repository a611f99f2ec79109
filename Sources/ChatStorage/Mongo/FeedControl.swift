import CMongoc
import Foundation
import Logging
import Synchronization

/// Tells one follower thread to stop at its next wait.
final class FeedControl: Sendable {
    private let stopped = Atomic<Bool>(false)
    func stop() { stopped.store(true, ordering: .relaxed) }
    var isStopped: Bool { stopped.load(ordering: .relaxed) }
}
