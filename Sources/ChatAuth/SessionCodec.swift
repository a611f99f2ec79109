import ChatConfig
import ChatModel
import Crypto
import Foundation

/// The session cookie: sealed with ChaChaPoly under a key derived from SECRET_KEY, it names a session record in
/// the store (which says whether the session is still on) and carries its user and issue time, so that a cookie
/// that is expired or sealed for someone else is refused without asking the store.
///
/// Version 2 (plain text, 37 bytes): `0x02`, the session id (16 bytes), the user id (12), the issue time
/// (milliseconds since 1970, 8, big-endian). Version 1 cookies (no session id, from before sessions were
/// records) decode as no session: their holders log in again.
public struct SessionCodec: Sendable {
    public struct Session: Sendable, Equatable {
        public var sessionID: SessionID
        public var userID: ObjectId
        public var issued: Date

        public init(sessionID: SessionID, userID: ObjectId, issued: Date) {
            self.sessionID = sessionID
            self.userID = userID
            self.issued = issued
        }

        /// What the cookie of this session record carries.
        public init(_ record: SessionRecord) {
            self.init(sessionID: record.id, userID: record.userID, issued: record.created)
        }
    }

    private static let version: UInt8 = 2
    private static let plainLength = 1 + 16 + 12 + 8
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
        plain.reserveCapacity(Self.plainLength)
        plain += session.sessionID.bytes
        plain += session.userID.bytes
        let ms = UInt64(bitPattern: session.issued.millisecondsSince1970)
        for shift in stride(from: 56, through: 0, by: -8) { plain.append(UInt8(truncatingIfNeeded: ms >> UInt64(shift))) }
        let sealed = try ChaChaPoly.seal(plain, using: key)
        return Base64URL.encode(Array(sealed.combined))
    }

    /// nil for anything that is not a live session sealed by this key: tampered, expired, foreign, garbage,
    /// or a version 1 cookie. Whether the session was ended is the store's to say.
    public func decode(_ cookie: String, now: Date = Date()) -> Session? {
        guard cookie.utf8.count < 512, let combined = Base64URL.decode(cookie),
            let box = try? ChaChaPoly.SealedBox(combined: combined),
            let plain = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        let bytes = Array(plain)
        guard bytes.count == Self.plainLength, bytes[0] == Self.version,
            let sessionID = SessionID(bytes: bytes[1..<17]), let userID = ObjectId(bytes: bytes[17..<29])
        else { return nil }
        var ms: UInt64 = 0
        for byte in bytes[29..<37] { ms = ms << 8 | UInt64(byte) }
        let issued = Date(millisecondsSince1970: Int64(bitPattern: ms))
        let age = now.timeIntervalSince(issued)
        let limit = TimeInterval(lifetime.components.seconds)
        guard age >= -300, age < limit else { return nil }  // a little clock skew, no more
        return Session(sessionID: sessionID, userID: userID, issued: issued)
    }
}
