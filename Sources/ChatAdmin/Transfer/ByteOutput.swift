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
