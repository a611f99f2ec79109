import Foundation

public enum ImportMode: String, Sendable, CaseIterable {
    /// Keep existing documents; a document whose `_id` exists is skipped.
    case insert
    /// Replace existing documents by `_id`.
    case upsert
}
