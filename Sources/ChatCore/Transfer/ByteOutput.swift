import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where export bytes go.
public protocol ByteOutput: AnyObject {
    func write(_ bytes: [UInt8]) throws
    /// Everything written is complete: flush, and for a file make it appear under its name.
    func finish() throws
}

public enum OutputError: Error, Equatable, CustomStringConvertible {
    /// The reader went away (EPIPE): not a failure, the export just ends.
    case closedPipe
    case failed(String)

    public var description: String {
        switch self {
        case .closedPipe: "the output pipe was closed"
        case .failed(let why): why
        }
    }
}

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

/// Writes to a hidden temporary file beside `path` and renames it into place only in `finish()`:
/// a reader never sees half an export, and an interrupted export leaves the old file untouched.
public final class AtomicFileOutput: ByteOutput {
    public let path: String
    public let temporaryPath: String
    private let output: FileDescriptorOutput
    private var done = false

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var template = Array((directory as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw OutputError.failed("cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        output = FileDescriptorOutput(fd: fd)
    }

    deinit {
        if !done {
            close(output.fd)
            unlink(temporaryPath)
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try output.write(bytes)
    }

    public func finish() throws {
        try output.flush()
        guard fsync(output.fd) == 0 else { throw OutputError.failed("cannot sync \(temporaryPath): \(String(cString: strerror(errno)))") }
        // mkstemp makes 0600; give the file what the umask allows for a normal new file.
        let mask = umask(0)
        umask(mask)
        fchmod(output.fd, 0o666 & ~mask)
        close(output.fd)
        done = true
        guard rename(temporaryPath, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError.failed("cannot rename \(temporaryPath) to \(path): \(why)")
        }
    }

    /// Removes the temporary file (after a failure or interruption).
    public func abandon() {
        guard !done else { return }
        done = true
        close(output.fd)
        unlink(temporaryPath)
    }
}

public final class MemoryOutput: ByteOutput {
    public private(set) var bytes: [UInt8] = []
    public private(set) var finished = false
    public init() {}
    public func write(_ bytes: [UInt8]) throws { self.bytes.append(contentsOf: bytes) }
    public func finish() throws { finished = true }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
