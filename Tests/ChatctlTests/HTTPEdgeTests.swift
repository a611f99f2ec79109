@testable import ChatConfig
@testable import ChatServer
import Foundation
import HTTPTypes
import NIOPosix
import Testing

/// The HTTP edge as an attacker meets it: malformed, oversized, slow and too many connections, through raw
/// sockets on a real server. Each test waits for the server to close the connection (a socket that stays open
/// fails on its 15 s receive timeout), so none asserts timing.
@Suite("HTTP edge: timeouts, limits, malformed requests")
struct HTTPEdgeTests {
    static var quick: AppConfig { TestServer.config {
        $0.headerTimeout = .seconds(1)
        $0.bodyTimeout = .seconds(1)
        $0.keepAliveTimeout = .seconds(1)
    } }

    /// Sends `request` on a fresh connection and returns everything the server wrote before it closed.
    static func exchange(_ port: Int, _ request: [UInt8]) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            let socket = try RawSocket(port: port)
            defer { socket.close() }
            // A refused request may be cut off in the middle: what the server answered is what counts.
            if !request.isEmpty { try? socket.send(request) }
            return String(decoding: socket.readUntilClosed(), as: UTF8.self)
        }
    }

    static func exchange(_ port: Int, _ request: String) async throws -> String {
        try await exchange(port, Array(request.utf8))
    }

    @Test(arguments: [
        ("garbage\r\n\r\n", "HTTP/1.1 400"),
        ("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", "HTTP/1.1 400"),
        ("POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 400"),
        ("POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 400"),
        ("GET /" + String(repeating: "a", count: 10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 414"),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 1 << 20) + "\r\n\r\n", "HTTP/1.1 431"),
    ].map(MalformedRequest.init))
    func aMalformedFirstRequestIsAnsweredAndClosed(_ malformed: MalformedRequest) async throws {
        let (request, status) = (malformed.request, malformed.status)
        try await TestServer.run { _, client in
            let answer = try await Self.exchange(client.port, request)
            #expect(answer.hasPrefix(status), "\(answer.prefix(200))")
            #expect(answer.contains("Content-Security-Policy:"), "security headers on refusals too")
        }
    }

    @Test func aMalformedLaterRequestIsAnsweredToo() async throws {
        try await TestServer.run { _, client in
            let answer = try await Self.exchange(client.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\ngarbage\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(200))")
            #expect(answer.contains("HTTP/1.1 400"), "\(answer)")
        }
    }

    @Test func aClientThatNeverSendsIsClosed() async throws {
        try await TestServer.run(Self.quick) { _, client in
            let answer = try await Self.exchange(client.port, "")
            #expect(answer == "")
        }
    }

    @Test func headersSentByteByByteAreCutOffAtTheHeaderTimeout() async throws {
        try await TestServer.run(Self.quick) { _, client in
            let answer: String = try await NIOThreadPool.singleton.runIfActive {
                let socket = try RawSocket(port: client.port)
                defer { socket.close() }
                try socket.send(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8))
                // A slowloris keeps the head open one header at a time; the deadline is for the whole head.
                for index in 0..<40 {
                    do { try socket.send(Array("X-\(index): y\r\n".utf8)) } catch { break }
                    usleep(100_000)
                }
                return String(decoding: socket.readUntilClosed(), as: UTF8.self)
            }
            #expect(!answer.contains("HTTP/1.1 200"))
        }
    }

    @Test func aBodyThatNeverCompletesIsCutOff() async throws {
        try await TestServer.run(Self.quick) { _, client in
            let answer = try await Self.exchange(client.port, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nlogin=a")
            #expect(!answer.contains("HTTP/1.1 302"))
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosed() async throws {
        try await TestServer.run(Self.quick) { _, client in
            let answer = try await Self.exchange(client.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            #expect(answer.hasSuffix("ok\n"), "closed after the response, once idle: \(answer)")
        }
    }

    @Test func anHTTP10ConnectionClosesAfterItsResponse() async throws {
        try await TestServer.run { _, client in
            let answer = try await Self.exchange(client.port, "GET /health HTTP/1.0\r\n\r\n")
            #expect(answer.contains(" 200 "), "\(answer)")
            #expect(answer.hasSuffix("ok\n"))
        }
    }

    @Test func aNotFoundCarriesTheSecurityHeaders() async throws {
        try await TestServer.run { _, client in
            let answer = try await Self.exchange(client.port, "GET /static/nope.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 404"))
            #expect(answer.contains("Content-Security-Policy:"))
            let unknown = try await Self.exchange(client.port, "GET /no/such/route HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(unknown.contains("Content-Security-Policy:"), "\(unknown)")
        }
    }

    @Test func connectionsPerAddressAreCappedAndFreedOnClose() async throws {
        try await TestServer.run(TestServer.config { $0.maxConnectionsPerAddress = 3 }) { server, client in
            let held = try (0..<3).map { _ in try RawSocket(port: client.port) }
            #expect(try await poll(within: .seconds(10)) { server.connections.openConnections >= 3 })
            let refused = try await Self.exchange(client.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(refused.hasPrefix("HTTP/1.1 503"), "\(refused)")
            #expect(refused.contains("too many connections"))
            held[0].close()
            #expect(try await poll(within: .seconds(10)) { server.connections.openConnections < 3 })
            let served = try await Self.exchange(client.port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(served.hasPrefix("HTTP/1.1 200"), "\(served)")
            held[1...].forEach { $0.close() }
        }
    }

    @Test func readyIsUnavailableOnceTheServerDrains() async throws {
        try await TestServer.run { server, client in
            let before = try await client.request("/ready")
            #expect(before.status == .ok)
            server.shutdown.beginDraining()
            let draining = try await client.request("/ready")
            #expect(draining.status == .serviceUnavailable)
        }
    }
}

/// A bad request and the status it must get; described by its first bytes only (one is a megabyte).
struct MalformedRequest: Sendable, CustomTestStringConvertible {
    let request: String
    let status: String

    init(_ pair: (String, String)) {
        (request, status) = pair
    }

    var testDescription: String { "\(request.prefix(40).debugDescription)… → \(status)" }
}
