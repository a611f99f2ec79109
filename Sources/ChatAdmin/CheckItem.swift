import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public struct CheckItem: Sendable, Equatable {
    public enum Status: String, Sendable { case ok, warn, fail }

    public var name: String
    public var status: Status
    public var detail: String
    /// Empty when there is nothing to fix.
    public var fix: String

    public init(_ name: String, _ status: Status, _ detail: String, fix: String = "") {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}
