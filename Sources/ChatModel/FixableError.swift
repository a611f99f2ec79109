/// What went wrong and how to fix it: the one shape of every error chatctl shows a person, one line.
/// `subject` names what the error is about when there is one (a setting such as `SECRET_KEY`).
public struct FixableError: Error, Equatable, CustomStringConvertible {
    public var subject: String?
    public var what: String
    public var fix: String

    public init(_ what: String, fix: String, subject: String? = nil) {
        self.subject = subject
        self.what = what
        self.fix = fix
    }

    public var description: String {
        let line = fix.isEmpty ? what : "\(what); \(fix)"
        guard let subject else { return line }
        return "\(subject): \(line)"
    }
}
