import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct InputError: Error, CustomStringConvertible {
    public var description: String
}
