@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Glibc
import Logging
import Testing

/// The test's own MongoDB process, replaced when it is restarted; only the test task touches it.
final class ServerProcessBox: @unchecked Sendable {
    var process: Process
    init(_ process: Process) { self.process = process }
}
