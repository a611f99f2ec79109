import ChatModel
import ArgumentParser

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version of chatctl.",
        discussion: "Example:\n  chatctl version"
    )

    func run() {
        print("chatctl \(ChatctlVersion.current)")
    }
}
