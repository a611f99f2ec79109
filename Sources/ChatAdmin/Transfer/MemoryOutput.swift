import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class MemoryOutput: ByteOutput {
    public private(set) var bytes: [UInt8] = []
    public private(set) var finished = false
    public init() {}
    public func write(_ bytes: [UInt8]) throws { self.bytes.append(contentsOf: bytes) }
    public func finish() throws { finished = true }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
