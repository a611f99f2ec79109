import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
