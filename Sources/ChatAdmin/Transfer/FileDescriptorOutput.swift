import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Buffered writes to a file descriptor; EPIPE becomes `OutputError.closedPipe`.
/// The process must ignore SIGPIPE for that (chatctl does).
public final class FileDescriptorOutput: ByteOutput {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int

    public init(fd: Int32, capacity: Int = 1 << 16) {
        self.fd = fd
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    public func flush() throws {
        var offset = 0
        defer { buffer.removeAll(keepingCapacity: true) }
        while offset < buffer.count {
            let count = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count >= 0 {
                offset += count
                continue
            }
            switch errno {
            case EINTR, EAGAIN: continue
            case EPIPE: throw OutputError.closedPipe
            default: throw OutputError.failed("write failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    public func finish() throws {
        try flush()
    }
}
