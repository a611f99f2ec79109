import Foundation
import Synchronization

/// How long to wait before reconnect attempt `n` (1-based): exponential from `initial` up to `maximum`,
/// with jitter so that many clients of a restarted server do not return in lock-step.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(250), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
    }

    public func delay(attempt: Int, jitter: Double = Double.random(in: 0.5...1.0)) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let base = min(Double(initial.components.seconds) + Double(initial.components.attoseconds) / 1e18, 3600)
            * pow(2, Double(exponent))
        let cap = Double(maximum.components.seconds) + Double(maximum.components.attoseconds) / 1e18
        return .milliseconds(Int64(min(base, cap) * jitter * 1000))
    }
}

/// Messages waiting to be written to whichever connection is current. Unlike `AsyncStream`, a
/// cancelled `next()` (the connection ended) leaves the queue open for the next connection.
final class Outbox: Sendable {
    private struct State {
        var items: [String] = []
        var waiter: CheckedContinuation<String?, Never>?
    }

    private let state = Mutex(State())

    func push(_ text: String) {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items.append(text)
            return nil
        }
        waiter?.resume(returning: text)
    }

    /// Puts back a message a dead connection could not write.
    func pushFront(_ text: String) {
        state.withLock { $0.items.insert(text, at: 0) }
    }

    /// The next message, or nil when the calling task is cancelled.
    func next() async -> String? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let immediate: String?? = state.withLock { state in
                    if !state.items.isEmpty { return .some(state.items.removeFirst()) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}

/// A one-way latch: `fire()` once, every `wait()` (past and future) returns.
final class Latch: Sendable {
    private struct State {
        var fired = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextKey = 0
    }

    private let state = Mutex(State())

    var isFired: Bool { state.withLock { $0.fired } }

    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when fired, or when the calling task is cancelled.
    func wait() async {
        let key = state.withLock { state -> Int in
            state.nextKey += 1
            return state.nextKey
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[key] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: key) }
            waiter?.resume()
        }
    }

    /// Sleeps for `delay` unless fired first; true when fired.
    func wait(upTo delay: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: delay) }
            group.addTask { await self.wait() }
            await group.next()
            group.cancelAll()
        }
        return isFired
    }
}

/// The first of several outcomes wins; later ones are ignored.
public final class FirstResult<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<T, any Error>?
    }

    private let state = Mutex(State())

    public init() {}

    public func resolve(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    public var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let result = state.withLock { state -> Result<T, any Error>? in
                    if state.result == nil { state.waiter = continuation }
                    return state.result
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }
}

/// Message ids already shown, so a replay after a reconnect never prints one twice.
struct SeenIDs {
    private var set: Set<String> = []
    private var order: [String] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// True the first time `id` is seen.
    mutating func insert(_ id: String) -> Bool {
        guard set.insert(id).inserted else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            set.remove(order[head])
            order[head] = id
            head = (head + 1) % capacity
        }
        return true
    }
}

/// A value behind a lock that closures can share (a `Mutex` itself cannot be captured).
public final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) {
        mutex = Mutex(value)
    }

    public func withLock<R: Sendable>(_ body: (inout sending Value) throws -> sending R) rethrows -> R {
        try mutex.withLock(body)
    }
}
