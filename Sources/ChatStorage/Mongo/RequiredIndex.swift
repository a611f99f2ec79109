import CMongoc
import Foundation

/// An index chatctl creates and `chatctl check` looks for.
struct RequiredIndex: CustomStringConvertible {
    var collection: String
    var name: String
    var keys: [(String, Int32)]
    var unique: Bool
    var caseInsensitive: Bool

    static let all: [RequiredIndex] = [
        RequiredIndex(collection: "users", name: "login_ci", keys: [("login", 1)], unique: true, caseInsensitive: true),
        RequiredIndex(collection: "users", name: "email_ci", keys: [("email", 1)], unique: true, caseInsensitive: true),
        RequiredIndex(collection: "messages", name: "time_1__id_1", keys: [("time", 1), ("_id", 1)], unique: false, caseInsensitive: false),
        RequiredIndex(collection: "messages", name: "user_1_time_1__id_1", keys: [("user", 1), ("time", 1), ("_id", 1)],
                      unique: false, caseInsensitive: false),
        // A user's sessions, newest first (`chatctl user sessions`, `endSessions`).
        RequiredIndex(collection: "sessions", name: "userId_1_created_-1", keys: [("userId", 1), ("created", -1)],
                      unique: false, caseInsensitive: false),
        // The revocation poll: sessions ended, and sessions expiring, since its last look.
        RequiredIndex(collection: "sessions", name: "ended_1", keys: [("ended", 1)], unique: false, caseInsensitive: false),
        RequiredIndex(collection: "sessions", name: "expires_1", keys: [("expires", 1)], unique: false, caseInsensitive: false),
    ]

    /// The collections that have required indexes, in the order above.
    static var collections: [String] {
        var seen: [String] = []
        for index in all where !seen.contains(index.collection) { seen.append(index.collection) }
        return seen
    }

    var description: String {
        let fields = keys.map(\.0).joined(separator: ",")
        return "\(collection).\(fields)" + (unique ? " unique" : "") + (caseInsensitive ? ", case-insensitive" : "")
    }

    /// The `indexes` element of a createIndexes command.
    var specification: BSONDocument {
        let key = BSONDocument()
        for (field, direction) in keys { key.append(field, .int32(direction)) }
        let spec = BSONDocument(["key": .document(key), "name": .string(name)])
        if unique { spec.append("unique", .bool(true)) }
        if caseInsensitive { spec.append("collation", .document(BSONDocument(["locale": .string("en"), "strength": .int32(2)]))) }
        return spec
    }

    /// Matched by keys and options, not by name: an equivalent index made by hand counts.
    func isSatisfied(by index: IndexDescription) -> Bool {
        index.keys.count == keys.count
            && zip(index.keys, keys).allSatisfy { $0.0 == $1.0 && $0.1 == Int64($1.1) }
            && (!unique || index.unique)
            && (!caseInsensitive || index.collationStrength == 2)
    }
}
