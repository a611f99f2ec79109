import ArgumentParser

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Create configuration files.",
        discussion: """
            Examples:
              chatctl config init
              chatctl config init --path /etc/chatctl.env
            """,
        subcommands: [ConfigInitCommand.self]
    )
}
