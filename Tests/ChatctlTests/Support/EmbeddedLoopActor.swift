import NIOCore
import NIOPosix

/// A global actor whose code always runs on one and the same thread: that of an event loop of its own.
///
/// An `EmbeddedEventLoop` may only be used, and freed, on the thread that made it, and a `ChatHub` keeps every
/// loop it saw until the hub goes. Code on this actor comes back to that one thread after every `await` (the
/// main actor does not: on Linux, once the test runner calls `dispatchMain()`, the main queue runs on whichever
/// worker thread is free), so an async test can make a `ServerContext` and still drive embedded channels.
@globalActor
actor EmbeddedLoopActor {
    static let shared = EmbeddedLoopActor()

    private static let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1).next()

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        Self.loop.executor.asUnownedSerialExecutor()
    }
}
