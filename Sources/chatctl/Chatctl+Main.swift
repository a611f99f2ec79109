import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Chatctl {
    /// ArgumentParser exits 64 (EX_USAGE) on usage errors; chatctl promises 2, like most Unix tools.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}
