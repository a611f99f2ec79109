import ArgumentParser
import ChatAdmin

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the configuration and the store, and say how to fix what is wrong.",
        discussion: """
            Loads the configuration exactly as `serve` would (flags > environment > .env > defaults) and checks \
            every item: the .env file and its variables (including likely typos of known names), HOST, PORT \
            (free, or already in use), SECRET_KEY, DATA_DIR, MONGO_HOST, whether the store answers, and accounts \
            that still have plain-text passwords from the original app. Each item is ok, warn or fail, with a fix. \
            Exits 1 when any item fails. Reads only: nothing is created or changed.

            --json prints {"ok": bool, "items": [{"name", "status", "detail", "fix"}]} with keys in that order.

            Examples:
              chatctl check
              chatctl check --env-file /etc/chatctl.env
              chatctl check --json | jq '.items[] | select(.status != "ok")'
            """
    )

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let report = await ConfigCheck(loader: config.loader()).run()
        print(json ? report.json : report.table)
        if !report.ok { throw ExitCode.failure }
    }
}
