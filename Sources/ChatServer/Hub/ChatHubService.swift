import Foundation
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// Closes every WebSocket with going-away (1001) when the server stops. Connections have no task of their
/// own to notice shutdown, so this one service does it for all of them.
struct ChatHubService: Service {
    let hub: ChatHub
    let shutdown: ShutdownState
    /// How long clients get to answer the close frame before their channels are cut.
    var grace: Duration = .seconds(1)

    func run() async throws {
        try? await gracefulShutdown()
        shutdown.beginDraining()
        await hub.closeAll(code: 1001, reason: "server shutting down")
        let deadline = ContinuousClock.now + grace
        while hub.connectionCount > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await hub.closeChannels()
    }
}
