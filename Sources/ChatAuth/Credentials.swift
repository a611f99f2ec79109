import ChatConfig
import Foundation

/// The rules for logins, emails and passwords, shared by the web forms and `chatctl user`.
public enum Credentials {
    public static let loginLength = 1...32
    /// bcrypt reads only the first 72 bytes; longer passwords are refused rather than silently cut.
    public static let passwordBytes = 8...72
    public static let emailBytes = 3...254

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case login
        case email
        case passwordTooShort
        case passwordTooLong
        case passwordWithNUL

        public var description: String {
            switch self {
            case .login: "a login is 1 to 32 letters, digits, '_', '.' or '-'"
            case .email: "that is not an email address"
            case .passwordTooShort: "a password needs at least 8 characters"
            case .passwordTooLong: "a password may be at most 72 bytes (bcrypt ignores the rest)"
            case .passwordWithNUL: "a password may not contain the NUL character (bcrypt would cut it there)"
            }
        }
    }

    public static func validateLogin(_ login: String) throws(Problem) {
        guard loginLength.contains(login.unicodeScalars.count),
            login.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0)) })
        else { throw .login }
    }

    public static func validateEmail(_ email: String) throws(Problem) {
        guard emailBytes.contains(email.utf8.count) else { throw .email }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
            (1...64).contains(local.utf8.count),
            local.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f && !"()<>[]\\,;:\"".unicodeScalars.contains($0) }),
            !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
            domain.contains("."), HostValidator.isValid(String(domain)), !domain.allSatisfy({ $0.isNumber || $0 == "." })
        else { throw .email }
    }

    public static func validatePassword(_ password: String) throws(Problem) {
        if password.utf8.count > passwordBytes.upperBound { throw .passwordTooLong }
        if password.utf8.contains(0) { throw .passwordWithNUL }
        if password.count < passwordBytes.lowerBound { throw .passwordTooShort }
    }
}
