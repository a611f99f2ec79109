import CMongoc
import ChatModel
import Foundation

extension ObjectId {
    init(_ oid: bson_oid_t) {
        var high: UInt64 = 0
        var low: UInt32 = 0
        withUnsafeBytes(of: oid.bytes) { bytes in
            for (index, byte) in bytes.enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt32(byte) }
            }
        }
        self.init(high: high, low: low)
    }

    var bsonOID: bson_oid_t {
        var oid = bson_oid_t()
        let source = bytes
        withUnsafeMutableBytes(of: &oid.bytes) { target in
            for index in 0..<min(target.count, source.count) { target[index] = source[index] }
        }
        return oid
    }
}

// MARK: reading
