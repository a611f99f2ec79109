import ArgumentParser
import ChatAdmin

struct UserRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an account; its messages stay in history.",
        discussion: """
            Asks for confirmation on a terminal; --yes skips the question (required when stdin is not a terminal). \
            The account's sessions are ended first, so its open WebSockets close (4401).

            Examples:
              chatctl user remove bob
              chatctl user remove bob --yes
            """
    )

    @Argument(help: "The account's login.")
    var login: String

    @Flag(name: [.short, .long], help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        try await config.withStore { _, store in
            let admin = UserAdmin(store: store, bcryptCost: 4)
            let user = try await admin.existing(login)
            if !yes {
                guard Terminal.stdinIsTTY else {
                    throw fail("refusing to remove \(user.login) without confirmation; add --yes")
                }
                guard Terminal.confirm("Remove user \(user.login) <\(user.email)>? Their messages stay in history.") else {
                    throw fail("not removed; answer y to remove, or pass --yes")
                }
            }
            let ended = try await admin.remove(login: user.login)
            Terminal.warn("removed user \(user.login); \(ended) session\(ended == 1 ? "" : "s") ended")
        }
    }
}
