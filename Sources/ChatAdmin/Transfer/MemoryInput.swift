import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class MemoryInput: ByteInput {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunk: Int

    public init(_ bytes: [UInt8], chunk: Int = 1 << 16) {
        self.bytes = bytes
        self.chunk = chunk
    }

    public convenience init(_ text: String, chunk: Int = 1 << 16) {
        self.init(Array(text.utf8), chunk: chunk)
    }

    public func read(maxCount: Int) throws -> [UInt8] {
        let end = min(bytes.count, offset + min(maxCount, chunk))
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}
