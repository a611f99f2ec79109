import ArgumentParser
import ChatAdmin

struct UserPasswdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Set a new password for an account.",
        discussion: """
            On a terminal the new password is asked twice and never echoed; --password-stdin reads it from the \
            first line of standard input. Every session of the account is ended: it must log in again with the new \
            password, and its open WebSockets close (4401).

            Examples:
              chatctl user passwd alice
              echo "$PW" | chatctl user passwd alice --password-stdin
            """
    )

    @Argument(help: "The account's login.")
    var login: String

    @Flag(help: "Read the password from the first line of standard input instead of prompting.")
    var passwordStdin = false

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        try await config.withStore { config, store in
            let admin = UserAdmin(store: store, bcryptCost: config.bcryptCost)
            let user = try await admin.existing(login)
            let password = try Terminal.newPassword(fromStdin: passwordStdin, for: user.login)
            let ended = try await admin.setPassword(login: user.login, password: password)
            Terminal.warn("password changed for \(user.login); \(ended) session\(ended == 1 ? "" : "s") ended")
        }
    }
}
