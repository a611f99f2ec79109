import NIOCore
import Testing

/// A client frame that RFC 6455 forbids, and the close code it must get.
struct BadFrame: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: ByteBuffer
    let code: UInt16

    init(_ name: String, _ bytes: ByteBuffer, _ code: UInt16) {
        self.name = name
        self.bytes = bytes
        self.code = code
    }

    var testDescription: String { "\(name) → \(code)" }
}
