import Foundation

public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var document: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}
