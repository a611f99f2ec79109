import ChatModel
import ArgumentParser
import ChatAdmin

struct ConfigInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a new .env with every variable documented and a fresh SECRET_KEY.",
        discussion: """
            The file is the same template as .env.example, with a new random 32-byte SECRET_KEY, and is \
            created readable by its owner only (it holds a secret). An existing file is never overwritten (exit 1). \
            Then edit it and run `chatctl check`.

            Examples:
              chatctl config init
              chatctl config init --path /etc/chatctl.env
              chatctl config init --example > .env.example
            """
    )

    @Option(help: ArgumentHelp("Where to write the file.", valueName: "path"))
    var path = ".env"

    @Flag(help: "Print the template without a secret to stdout instead (this is how .env.example is made).")
    var example = false

    func run() throws {
        if example {
            print(EnvTemplate.render(secretKey: nil), terminator: "")
            return
        }
        do {
            try EnvTemplate.writeNew(path: path)
        } catch let error as FixableError {
            throw fail(error.description)
        }
        print("wrote \(path) with a new SECRET_KEY; review it, then run `chatctl check`")
    }
}
