@testable import ChatClient
@testable import ChatModel
@testable import ChatServer
import Foundation
import Synchronization
import Testing

/// Collects what a session reports.
final class SessionLog: Sendable {
    private let updates = Mutex<[ConnectionUpdate]>([])

    func record(_ update: ConnectionUpdate) { updates.withLock { $0.append(update) } }

    var messages: [ChatMessage] {
        updates.withLock { $0 }.compactMap { update in
            if case .event(.message(let message), _) = update { return message }
            return nil
        }
    }

    var connections: Int {
        updates.withLock { $0 }.filter { if case .connected = $0 { true } else { false } }.count
    }

    func wait(_ what: String, within limit: Duration = .seconds(30), until condition: (SessionLog) -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition(self) {
            guard ContinuousClock.now < deadline else { throw ClientProcess.Failure.timedOut(what, "\(messages.map(\.text))") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
