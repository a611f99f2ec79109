import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where import bytes come from: a file, stdin, or memory in tests.
public protocol ByteInput: AnyObject {
    /// Up to `maxCount` bytes; empty at the end.
    func read(maxCount: Int) throws -> [UInt8]
}
