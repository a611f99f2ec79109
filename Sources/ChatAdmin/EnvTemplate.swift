import ChatModel
import ChatConfig
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The `.env` template, generated from `ConfigVariable.all`: `.env.example` is this with an empty SECRET_KEY,
/// `chatctl config init` writes it with a fresh one. A test keeps the committed `.env.example` equal to it.
public enum EnvTemplate {
    public static func render(secretKey: String?) -> String {
        var text = """
            # chatctl configuration. Precedence: command-line flag > environment > this file > default.
            # `chatctl check` validates every value and says how to fix what is wrong.
            # Lines starting with '#' are comments; uncomment a line to change its default.

            """
        for variable in ConfigVariable.all {
            text += "\n# \(variable.help)"
            if variable.name == "MONGO_HOST" {
                text += " (unset by default: the embedded SQLite store)"
            } else if !variable.defaultText.isEmpty, variable.name != "SECRET_KEY" {
                text += " (default: \(variable.defaultText))"
            }
            text += "\n"
            if variable.name == "SECRET_KEY" {
                text += "SECRET_KEY=\(secretKey ?? "")\n"
            } else if variable.optional {
                text += "# \(variable.name)=\(variable.defaultText)\n"
            } else {
                text += "\(variable.name)=\(variable.defaultText)\n"
            }
        }
        return text
    }

    /// `chatctl config init`: writes a new file with a fresh SECRET_KEY (mode 0600: it holds a secret).
    /// Never overwrites: an existing file (or anything at the path) is an error.
    public static func writeNew(path: String, secretKey: SecretKey = .random()) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST {
                throw FixableError("\(path) already exists; it was left unchanged", fix: "remove it first, or write elsewhere with --path")
            }
            throw FixableError("cannot create \(path): \(String(cString: strerror(code)))", fix: "choose a writable --path")
        }
        defer { close(fd) }
        let output = FileDescriptorOutput(fd: fd)
        do {
            try output.write(Array(render(secretKey: secretKey.base64).utf8))
            try output.finish()
        } catch {
            unlink(path)
            throw FixableError("cannot write \(path): \(error)", fix: "check the disk and try again")
        }
    }
}
