/// A value only touched on the event loop.
final class LoopBox<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}
