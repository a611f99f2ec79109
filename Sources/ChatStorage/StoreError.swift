import ChatModel
import Foundation
import Synchronization

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case loginTaken(String)
    case emailTaken(String)
    case unknownCursor(String)
    case unavailable(String)
    case corrupt(String)
    /// A message feed cannot go on from its position (the server no longer holds that far back):
    /// following must start over from now, and what was inserted meanwhile is not delivered.
    case feedLost(String)
    /// The store has no message feed (MongoDB: a standalone server, not a replica set).
    case feedUnsupported(String)
    /// An append failed for some of its messages only; these ids were stored.
    case partiallyStored(Set<ObjectId>, String)

    public var description: String {
        switch self {
        case .loginTaken(let login): "login '\(login)' is taken"
        case .emailTaken(let email): "email '\(email)' is already registered"
        case .unknownCursor(let id): "no message with id \(id)"
        case .unavailable(let why): "store unavailable: \(why)"
        case .corrupt(let why): "store holds unreadable data: \(why)"
        case .feedLost(let why): "message feed lost: \(why)"
        case .feedUnsupported(let why): "no message feed: \(why)"
        case .partiallyStored(let stored, let why): "only \(stored.count) of the messages stored: \(why)"
        }
    }
}
