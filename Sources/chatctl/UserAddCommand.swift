import ArgumentParser
import ChatAdmin

struct UserAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create an account.",
        discussion: """
            On a terminal the password is asked twice and never echoed. For scripts, --password-stdin reads it \
            from the first line of standard input. A taken login or email is an error (exit 1).

            Examples:
              chatctl user add alice --email alice@example.com
              echo "$PW" | chatctl user add alice --email a@example.com --password-stdin
            """
    )

    @Argument(help: "The login: 1 to 32 letters, digits, '_', '.' or '-'.")
    var login: String

    @Option(help: ArgumentHelp("The account's email address.", valueName: "address"))
    var email: String

    @Flag(help: "Read the password from the first line of standard input instead of prompting.")
    var passwordStdin = false

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        try await config.withStore { config, store in
            let admin = UserAdmin(store: store, bcryptCost: config.bcryptCost)
            try await admin.precheckAdd(login: login, email: email)
            let password = try Terminal.newPassword(fromStdin: passwordStdin, for: login)
            let user = try await admin.add(login: login, email: email, password: password)
            Terminal.warn("added user \(user.login) (\(user.id.hex))")
        }
    }
}
