@testable import ChatModel
import Foundation

/// The fields of an event by their JSON names, so a test reads `event.user` whatever the case.
extension ChatEvent {
    var type: String {
        switch self {
        case .message: "message"
        case .join: "join"
        case .leave: "leave"
        case .presence: "presence"
        case .error: "error"
        }
    }

    var id: String? {
        if case .message(let message) = self { return message.id.hex }
        return nil
    }

    var user: String? {
        switch self {
        case .message(let message): message.user
        case .join(let user, _), .leave(let user, _): user
        default: nil
        }
    }

    var text: String? {
        if case .message(let message) = self { return message.text }
        return nil
    }

    var time: String? {
        switch self {
        case .message(let message): ISO8601Millis.format(message.time)
        case .join(_, let time), .leave(_, let time): ISO8601Millis.format(time)
        default: nil
        }
    }

    var users: [String]? {
        if case .presence(let users) = self { return users }
        return nil
    }

    var error: String? {
        if case .error(_, let message) = self { return message }
        return nil
    }

    var code: ErrorCode? {
        if case .error(let code, _) = self { return code }
        return nil
    }
}
