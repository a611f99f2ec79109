import Dispatch
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Signals handled on a queue of their own instead of killing the process.
final class SignalWatch: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "chatctl.signals")

    init(_ actions: [Int32: @Sendable () -> Void]) {
        for (number, action) in actions {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: action)
            source.resume()
            sources.append(source)
        }
    }

    /// SIGINT and SIGTERM run `action` once (a clean shutdown); a second one exits at once.
    static func shutdown(_ action: @escaping @Sendable () -> Void) -> SignalWatch {
        let count = NIOLockedValueBox(0)
        let handler: @Sendable () -> Void = {
            let seen = count.withLockedValue { value -> Int in
                value += 1
                return value
            }
            if seen > 1 { _exit(130) }
            action()
        }
        return SignalWatch([SIGINT: handler, SIGTERM: handler])
    }
}
