import Foundation

public struct ImportOutcome: Sendable, Equatable {
    public var inserted = 0
    public var duplicates = 0
    public var replaced = 0

    public init(inserted: Int = 0, duplicates: Int = 0, replaced: Int = 0) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.replaced = replaced
    }
}
