import ChatModel

/// A setting that is wrong: which one, what is wrong with it, and how to fix it.
public typealias ConfigError = FixableError

extension FixableError {
    public init(variable: String, message: String, fix: String) {
        self.init(message, fix: fix, subject: variable)
    }

    /// The setting a configuration error is about.
    public var variable: String { subject ?? "" }
    public var message: String { what }
}
