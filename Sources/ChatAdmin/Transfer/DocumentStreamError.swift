import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fatal problem with the shape of the file: nothing after it can be read.
public struct DocumentStreamError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}
