import Foundation

/// One stored chat message, as the original app's `messages` collection holds it.
public struct ChatMessage: Sendable, Equatable, Hashable {
    public var id: ObjectId
    public var user: String
    public var text: String
    /// Millisecond precision: what a BSON date keeps.
    public var time: Date

    public init(id: ObjectId, user: String, text: String, time: Date) {
        self.id = id
        self.user = user
        self.text = text
        self.time = Date(millisecondsSince1970: time.millisecondsSince1970)
    }
}
