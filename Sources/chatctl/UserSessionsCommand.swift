import ArgumentParser
import ChatAdmin

struct UserSessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List an account's sessions (log-ins), newest first.",
        discussion: """
            Every log-in or sign-up is a session until it is ended (sign-out, `chatctl user logout`, a new password, \
            removal) or expires (SESSION_TTL after the log-in). Ended and expired sessions are listed too, for 30 days \
            after they expire. --json prints a stable array: [{"id": "<32 hex>", "state": "active" | "ended" | \
            "expired", "created", "lastSeen", "expires": "<ISO-8601>", "ended": "<ISO-8601>" | null, "address": "…", \
            "userAgent": "…"}]. Last seen is recorded at most once a minute.

            Examples:
              chatctl user sessions alice
              chatctl user sessions alice --json | jq -r '.[] | select(.state == "active") | .id'
            """
    )

    @Argument(help: "The account's login.")
    var login: String

    @Flag(help: "Print a JSON array instead of a table.")
    var json = false

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let (_, sessions) = try await config.withStore { _, store in
            try await UserAdmin(store: store, bcryptCost: 4).sessions(login: login)
        }
        print(json ? UserAdmin.json(sessions) : UserAdmin.table(sessions))
    }
}
