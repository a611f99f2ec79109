import CMongoc
import Foundation

/// Typed reads of one borrowed document (a cursor's current document or a reply): its owner must outlive the reader.
struct BSONReader {
    let raw: OpaquePointer

    /// Calls `body` with an iterator on each top-level field in turn.
    func forEach(_ body: (BSONIterator) throws -> Void) rethrows {
        let iterator = BSONIterator()
        try withExtendedLifetime(iterator) {
            guard bson_iter_init(iterator.raw, raw) else { return }
            while bson_iter_next(iterator.raw) { try body(iterator) }
        }
    }

    /// An iterator on the field `key`, or nil when the document has no such field.
    func find(_ key: String) -> BSONIterator? {
        let iterator = BSONIterator()
        return bson_iter_init_find(iterator.raw, raw, key) ? iterator : nil
    }

    func int64(_ key: String) -> Int64? { find(key)?.int64 }
    func string(_ key: String) -> String? { find(key)?.string }
}

// MARK: the store's documents
