import CMongoc
import Foundation

/// What listIndexes says about one index.
struct IndexDescription {
    var keys: [(String, Int64)] = []
    var unique = false
    var collationStrength: Int64?

    init(_ raw: OpaquePointer) {
        BSONReader(raw: raw).forEach { field in
            switch field.key {
            case "key":
                field.forEachChild { key in keys.append((key.key, key.int64 ?? 0)) }
            case "unique":
                unique = (field.int64 ?? 0) != 0
            case "collation":
                field.forEachChild { option in
                    if option.key == "strength" { collationStrength = option.int64 }
                }
            default: break
            }
        }
    }
}
