// `chatbench echo-server`: a minimal broadcast server used only to measure the load generator's own ceiling
// (how many frames per second chatbench can receive on one core). It accepts POST /signin and /login
// (302 + a cookie), upgrades GET /ws without checks, and broadcasts every client text frame to every
// connection: frames since the last flush go into one shared buffer, written and flushed once per batch.
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import NIOCore
import NIOPosix

struct EchoServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo-server",
        abstract: "A minimal broadcast server on one thread, to measure chatbench's own receiving ceiling.",
        discussion: """
            Example (the server in the background, then a fan-out against it):
              chatbench echo-server --port 18999 --lifetime 60 &
              chatbench fanout --url http://127.0.0.1:18999 --clients 100 --senders 10
            """)

    @Option(help: "Port to listen on (127.0.0.1).") var port: Int = 18999
    @Option(help: "Exit after this many seconds.") var lifetime: Double = 600

    func run() throws {
        raiseFileLimit()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let hub = EchoHub()
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(EchoConn(hub: hub)) }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        log("echo-server on 127.0.0.1:\(port), pid \(getpid())")
        sleepSeconds(lifetime)
        try channel.close().wait()
        try group.syncShutdownGracefully()
    }
}
