import Synchronization

/// Whether the server has begun its graceful shutdown: `/ready` then answers 503, so a load balancer
/// sends no one new while the server drains.
final class ShutdownState: Sendable {
    private let draining = Atomic(false)

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    func beginDraining() { draining.store(true, ordering: .relaxed) }
}
