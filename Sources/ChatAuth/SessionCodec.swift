import ChatConfig
import ChatModel
import Crypto
import Foundation

/// The session lives in the cookie, as in the original (aiohttp_session's EncryptedCookieStorage), but sealed
/// with ChaChaPoly under a key derived from SECRET_KEY, and it carries its own issue time so it expires.
public struct SessionCodec: Sendable {
    public struct Session: Sendable, Equatable {
        public var userID: ObjectId
        public var issued: Date

        public init(userID: ObjectId, issued: Date) {
            self.userID = userID
            self.issued = issued
        }
    }

    private static let version: UInt8 = 1
    private let key: SymmetricKey
    public let lifetime: Duration

    public init(secret: SecretKey, lifetime: Duration) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret.bytes),
            salt: Array("chatctl".utf8),
            info: Array("session-cookie v1".utf8),
            outputByteCount: 32
        )
        self.lifetime = lifetime
    }

    public func encode(_ session: Session) throws -> String {
        var plain: [UInt8] = [Self.version]
        plain += session.userID.bytes
        let ms = UInt64(bitPattern: session.issued.millisecondsSince1970)
        for shift in stride(from: 56, through: 0, by: -8) { plain.append(UInt8(truncatingIfNeeded: ms >> UInt64(shift))) }
        let sealed = try ChaChaPoly.seal(plain, using: key)
        return Base64URL.encode(Array(sealed.combined))
    }

    /// nil for anything that is not a live session sealed by this key: tampered, expired, foreign, garbage.
    public func decode(_ cookie: String, now: Date = Date()) -> Session? {
        guard cookie.utf8.count < 512, let combined = Base64URL.decode(cookie),
            let box = try? ChaChaPoly.SealedBox(combined: combined),
            let plain = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        let bytes = Array(plain)
        guard bytes.count == 21, bytes[0] == Self.version, let id = ObjectId(bytes: bytes[1..<13]) else { return nil }
        var ms: UInt64 = 0
        for byte in bytes[13..<21] { ms = ms << 8 | UInt64(byte) }
        let issued = Date(millisecondsSince1970: Int64(bitPattern: ms))
        let age = now.timeIntervalSince(issued)
        let limit = TimeInterval(lifetime.components.seconds)
        guard age >= -300, age < limit else { return nil }  // a little clock skew, no more
        return Session(userID: id, issued: issued)
    }
}
