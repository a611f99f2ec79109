import ChatModel
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt on a thread pool: a cost-12 hash takes a quarter of a second and must never run on an event loop.
public struct PasswordHasher: Sendable {
    public let cost: Int

    public init(cost: Int) {
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(clamping: cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Verifies against a bcrypt hash, or compares in constant time with a legacy plain-text password.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        if UserRecord.isBcryptHash(stored) {
            return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: stored) }
        }
        return Self.constantTimeEquals(Array(password.utf8), Array(stored.utf8))
    }


    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
