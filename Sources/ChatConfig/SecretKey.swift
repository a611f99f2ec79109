import Foundation
import Logging

/// 32 bytes of key material for the session cookie.
public struct SecretKey: Sendable, Equatable {
    public let bytes: [UInt8]

    public static let length = 32

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed
        case wrongLength(Int)
        public var description: String {
            switch self {
            case .malformed: "SECRET_KEY is neither base64 nor hex"
            case .wrongLength(let n): "SECRET_KEY decodes to \(n) bytes; it must be exactly 32"
            }
        }
    }

    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.length else { throw ParseError.wrongLength(bytes.count) }
        self.bytes = bytes
    }

    /// Accepts 64 hex digits or base64 (standard or URL-safe, padded or not) of 32 bytes.
    public init(text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count == 64, let bytes = Self.decodeHex(trimmed) {
            try self.init(bytes: bytes)
            return
        }
        var base64 = trimmed.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64), !trimmed.isEmpty else { throw ParseError.malformed }
        try self.init(bytes: Array(data))
    }

    public static func random() -> SecretKey {
        var generator = SystemRandomNumberGenerator()
        // swiftlint:disable:next force_try
        return try! SecretKey(bytes: (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public var base64: String { Data(bytes).base64EncodedString() }

    private static func decodeHex(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let hi = iterator.next() {
            guard let lo = iterator.next(), let h = hexValue(hi), let l = hexValue(lo) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}
