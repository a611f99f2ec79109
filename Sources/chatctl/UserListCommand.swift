import ArgumentParser
import ChatAdmin

struct UserListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List accounts, sorted by login.",
        discussion: """
            The table marks accounts that still have a plain-text password from the original app. \
            --json prints a stable array: [{"id": "<24 hex>", "login": "…", "email": "…", "created": "<ISO-8601>" | null}].

            Examples:
              chatctl user list
              chatctl user list --json | jq -r '.[].login'
            """
    )

    @Flag(help: "Print a JSON array instead of a table.")
    var json = false

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let users = try await config.withStore { _, store in try await UserAdmin(store: store, bcryptCost: 4).list() }
        print(json ? UserAdmin.json(users) : UserAdmin.table(users))
    }
}
