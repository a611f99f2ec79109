import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum DocumentStreamProblem: Error, Equatable, CustomStringConvertible {
    case tooLarge(limit: Int)
    public var description: String {
        switch self {
        case .tooLarge(let limit): "document larger than \(limit) bytes (skipped without reading it whole)"
        }
    }
}
