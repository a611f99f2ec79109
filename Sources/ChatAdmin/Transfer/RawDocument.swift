import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One document's bytes as found in the input, or why it could not be taken out.
public struct RawDocument: Sendable, Equatable {
    /// 1-based line where the document starts.
    public var line: Int
    /// 1-based position among the documents.
    public var index: Int
    public var result: Result<[UInt8], DocumentStreamProblem>
}
