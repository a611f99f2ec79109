@testable import ChatServer
import Foundation
import NIOPosix
import Testing

/// A port nothing listens on, for a server the test starts itself.
///
/// Chosen below the kernel's ephemeral range (32768 and up): a port the kernel handed out for a bind to
/// port 0 is free again once closed, and another test's in-process server binding port 0 could be given it
/// before our `chatctl serve` binds it; its /health would then answer for ours. No port-0 bind and no
/// outgoing connection ever gets a port below the range.
enum FreePort {
    static let range = 20_000..<32_000

    static func find() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: range)
            if isFree(port) { return port }
        }
        throw RawSocket.Failure.system("no free port in \(range)")
    }

    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return withLoopbackAddress(port: port) { bind(descriptor, $0, $1) } == 0
    }
}
