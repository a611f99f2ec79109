import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
