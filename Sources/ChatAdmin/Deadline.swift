import ChatStorage
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs `operation`, but returns a failure after `timeout` even if it never answers (it is left to finish alone).
enum Deadline {
    static func run<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        let once = Once<Result<T, any Error>>()
        return await withCheckedContinuation { continuation in
            once.set(continuation)
            Task {
                do { once.resume(.success(try await operation())) } catch { once.resume(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: timeout)
                once.resume(.failure(StoreError.unavailable("no answer within \(timeout)")))
            }
        }
    }

    final class Once<Value: Sendable>: Sendable {
        private let state = Mutex<(CheckedContinuation<Value, Never>?, Bool)>((nil, false))
        func set(_ continuation: CheckedContinuation<Value, Never>) { state.withLock { $0.0 = continuation } }
        func resume(_ value: Value) {
            let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
                guard !state.1, let continuation = state.0 else { return nil }
                state.1 = true
                return continuation
            }
            continuation?.resume(returning: value)
        }
    }
}
