import Foundation

/// A failure an operator can act on: what went wrong and how to fix it, printed as one line.
public struct AdminError: Error, Equatable, CustomStringConvertible {
    public var what: String
    public var fix: String

    public init(_ what: String, fix: String) {
        self.what = what
        self.fix = fix
    }

    public var description: String { "\(what); \(fix)" }
}
