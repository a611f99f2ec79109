import ChatConfig
import ChatStorage
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// Runs the store's upkeep while serving, and closes the store after everything that writes to it has
/// stopped: services shut down in reverse order.
struct StoreService: Service {
    let store: any ChatStore

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await store.runMaintenance() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await store.close()
    }
}
