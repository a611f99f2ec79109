import ArgumentParser
import ChatAdmin

struct UserLogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "End an account's sessions: all its active ones, or the one --session names.",
        discussion: """
            Ended sessions are logged out everywhere: their next request goes to the log-in page, and every running \
            server closes their open WebSockets within a second (close code 4401, "session ended"). The account and \
            its password stay as they are; `chatctl user sessions` lists the session IDs.

            Examples:
              chatctl user logout alice
              chatctl user logout alice --session 3f2a9c0e5b7d41e8a6c2f0b19d4e7a53
            """
    )

    @Argument(help: "The account's login.")
    var login: String

    @Option(help: ArgumentHelp("End only this session (its ID from `chatctl user sessions`).", valueName: "id"))
    var session: String?

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        try await config.withStore { _, store in
            let admin = UserAdmin(store: store, bcryptCost: 4)
            let user = try await admin.existing(login)
            let ended = try await admin.logout(login: user.login, session: session)
            if let session {
                Terminal.warn(ended == 1 ? "ended session \(session.lowercased()) of \(user.login)"
                              : "session \(session.lowercased()) of \(user.login) had ended already")
            } else {
                Terminal.warn("ended \(ended) session\(ended == 1 ? "" : "s") of \(user.login)")
            }
        }
    }
}
