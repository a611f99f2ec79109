@testable import ChatClient
@testable import ChatServer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

final class RelayCounter: Sendable {
    private let state = NIOLockedValueBox((count: 0, frozenBelow: 0))

    func next() -> Int { state.withLockedValue { state in state.count += 1; return state.count } }
    func freeze() { state.withLockedValue { state in state.frozenBelow = state.count + 1 } }
    func isFrozen(_ generation: Int) -> Bool { state.withLockedValue { $0.frozenBelow > generation } }
}
