import CMongoc
import Foundation

/// A copy of a cursor's document: the cursor's own is only valid until the next call on it.
final class FoundDocument {
    let pointer: OpaquePointer

    /// bson_copy allocates a non-static bson_t, which bson_destroy frees whole.
    init?(copying source: OpaquePointer) {
        guard let copy = bson_copy(source) else { return nil }
        pointer = copy
    }

    deinit { bson_destroy(pointer) }
}
