import ArgumentParser

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage accounts: add, list, change passwords, remove; list and end their sessions.",
        discussion: """
            Works on whichever store the configuration selects (SQLite in DATA_DIR, or MongoDB with MONGO_HOST), \
            also while the server runs. Passwords get the same checks and bcrypt cost (BCRYPT_COST) as the web sign-up.

            Examples:
              chatctl user add alice --email alice@example.com
              echo "$PW" | chatctl user add bob --email bob@example.com --password-stdin
              chatctl user list --json
              chatctl user passwd alice
              chatctl user remove bob --yes
              chatctl user sessions alice
              chatctl user logout alice
            """,
        subcommands: [UserAddCommand.self, UserListCommand.self, UserPasswdCommand.self, UserRemoveCommand.self,
                      UserSessionsCommand.self, UserLogoutCommand.self]
    )
}
