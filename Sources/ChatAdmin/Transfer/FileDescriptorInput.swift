import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class FileDescriptorInput: ByteInput {
    public let fd: Int32
    private let ownsDescriptor: Bool
    public private(set) var bytesRead: Int64 = 0

    public init(fd: Int32, owns: Bool = false) {
        self.fd = fd
        self.ownsDescriptor = owns
    }

    public convenience init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        self.init(fd: fd, owns: true)
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The file's size, when it is a regular file (for progress).
    public var size: Int64? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    public func read(maxCount: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maxCount)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, maxCount) }
            if count >= 0 {
                buffer.removeSubrange(count...)
                bytesRead += Int64(count)
                return buffer
            }
            if errno == EINTR { continue }
            throw InputError(description: "read failed: \(String(cString: strerror(errno)))")
        }
    }
}
