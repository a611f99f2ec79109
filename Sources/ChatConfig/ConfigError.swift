/// A setting that is wrong: which one, what is wrong with it, and how to fix it.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var variable: String
    public var message: String
    public var fix: String
    public var description: String { "\(variable): \(message); \(fix)" }

    public init(variable: String, message: String, fix: String) {
        self.variable = variable
        self.message = message
        self.fix = fix
    }
}
