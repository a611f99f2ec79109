@testable import ChatClient
@testable import ChatServer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A TLS-terminating proxy in front of a plain test server (as a load balancer fronts production), with a
/// throwaway self-signed certificate for `localhost` made by the openssl command.
final class TLSProxy: Sendable {
    let port: Int
    let certificatePath: String
    private let channel: any Channel
    private let relays: RelayCounter

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    /// A plain TCP relay (no TLS) whose connections can be frozen: a network that dies silently.
    convenience init(plainBackendPort backendPort: Int) async throws {
        try await self.init(backendPort: backendPort, tls: nil, certificatePath: "")
    }

    /// Existing connections stop passing bytes, without closing: new ones work.
    func freezeExisting() {
        relays.freeze()
    }

    convenience init(backendPort: Int) async throws {
        let directory = TestPaths.temporaryDirectory()
        let certificatePath = (directory as NSString).appendingPathComponent("cert.pem")
        let keyPath = (directory as NSString).appendingPathComponent("key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certificatePath,
                             "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        // Close as a load balancer does, without lingering for the client's close_notify.
        configuration.shutdownTimeout = .milliseconds(100)
        try await self.init(backendPort: backendPort, tls: try NIOSSLContext(configuration: configuration), certificatePath: certificatePath)
    }

    /// Accepts on a free port and relays each connection to `backendPort`, terminating TLS first when given.
    private init(backendPort: Int, tls: NIOSSLContext?, certificatePath: String) async throws {
        self.certificatePath = certificatePath
        let relays = RelayCounter()
        self.relays = relays
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        port = server.channel.localAddress?.port ?? 0
        channel = server.channel
        Task {
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    Task { try? await Self.relay(connection, to: backendPort, relays: relays) }
                }
            }
        }
    }

    private static func relay(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>, to port: Int, relays: RelayCounter) async throws {
        let generation = relays.next()
        let backend = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await client.executeThenClose { clientIn, clientOut in
            try await backend.executeThenClose { backendIn, backendOut in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await bytes in clientIn where !relays.isFrozen(generation) { try await backendOut.write(bytes) }
                    }
                    group.addTask {
                        for try await bytes in backendIn where !relays.isFrozen(generation) { try await clientOut.write(bytes) }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}
