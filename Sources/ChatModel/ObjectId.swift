import Foundation
import Synchronization

/// A MongoDB ObjectId: 4-byte big-endian seconds, 5 random bytes, 3-byte counter.
/// Both stores key messages and users by it, so history moves between them unchanged.
public struct ObjectId: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public typealias Bytes = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
    public let high: UInt64  // bytes 0...7
    public let low: UInt32  // bytes 8...11

    public init(high: UInt64, low: UInt32) {
        self.high = high
        self.low = low
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 12 else { return nil }
        var high: UInt64 = 0
        var low: UInt32 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt32(byte) }
        }
        self.init(high: high, low: low)
    }

    /// Parses exactly 24 hexadecimal digits (either case); anything else is nil.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 24 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(12)
        var index = 0
        while index < 24 {
            guard let hi = Self.nibble(utf8[index]), let lo = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            index += 2
        }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(12)
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: low >> UInt32(shift))) }
        return result
    }

    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(24)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    /// Seconds since 1970 stored in the first four bytes.
    public var timestamp: Date { Date(timeIntervalSince1970: TimeInterval(UInt32(truncatingIfNeeded: high >> 32))) }

    public static func < (lhs: ObjectId, rhs: ObjectId) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = ObjectId(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a 24-hex-digit ObjectId")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
