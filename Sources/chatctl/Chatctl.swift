import ArgumentParser
import ChatModel

@main
struct Chatctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatctl",
        abstract: "A WebSocket chat server and the toolkit that administers it.",
        discussion: """
            Configuration comes from flags, then the environment, then a .env file, then defaults. \
            `chatctl check` says what is set and what is wrong.

            Examples:
              chatctl serve --port 8080
              chatctl user add alice --email alice@example.com
              chatctl history export --out history.json
              chatctl tail --user alice
              chatctl chat --user alice
            """,
        version: ChatctlVersion.current,
        subcommands: [
            ServeCommand.self,
            TailCommand.self,
            ChatCommand.self,
            VersionCommand.self,
            UserCommand.self,
            HistoryCommand.self,
            CheckCommand.self,
            ConfigCommand.self,
        ]
    )
}
