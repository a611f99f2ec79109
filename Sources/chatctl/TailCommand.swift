import ArgumentParser
import ChatCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow the chat live: print each message, join and leave as it arrives.",
        discussion: """
            Logs in as a browser does, then prints `[HH:MM:SS] (alice) text` per message (local time), join and
            leave dimmed; colours only on a terminal and never with NO_COLOR. --json prints the server's JSON
            objects, one per line. Output is flushed per event.

            Runs until Ctrl-C (exit 0, the socket closed cleanly). A dropped connection or a restarted server is
            followed by a reconnect with backoff that resumes after the last message seen: nothing is missed and
            nothing is printed twice. With --no-reconnect a drop exits 1 instead.

            The password comes from the first line of standard input (--password-stdin), CHATCTL_PASSWORD, or a
            prompt without echo on a terminal.

            Examples:
              chatctl tail --user alice
              chatctl tail --url https://chat.example.com --user alice --history 20
              CHATCTL_PASSWORD=… chatctl tail --user bot --json | jq -r 'select(.type=="message") | .text'
            """
    )

    @OptionGroup var client: ClientOptions

    @Flag(help: "Print the server's JSON objects, one per line.")
    var json = false

    @Option(help: ArgumentHelp("First replay every message after this id (24 hex digits).", valueName: "id"))
    var since: String?

    @Option(help: ArgumentHelp("First print the last N stored messages.", valueName: "n"))
    var history: Int = 0

    @Flag(name: .customLong("no-reconnect"), help: "Exit 1 when the connection drops instead of reconnecting.")
    var noReconnect = false

    func validate() throws {
        if let since, since.count != 24 || !since.allSatisfy(\.isHexDigit) {
            throw ValidationError("--since must be a message id: 24 hex digits")
        }
        if history < 0 { throw ValidationError("--history must be 0 or more") }
    }

    func run() async throws {
        let resolved = try client.resolve(stdin: StdinLines())
        var options = ChatSessionOptions(endpoint: resolved.endpoint, login: resolved.login, password: resolved.password)
        options.since = since?.lowercased()
        options.history = history
        options.reconnect = !noReconnect
        let session = ChatSession(options: options)
        let interrupts = SignalWatch.shutdown { session.stop() }
        let formatter = EventFormatter(colors: EventFormatter.wantsColors(isTerminal: Terminal.isTerminal(STDOUT_FILENO)))
        let status = EventFormatter(colors: EventFormatter.wantsColors(isTerminal: Terminal.isTerminal(STDERR_FILENO)))
        let json = self.json
        let announce = Terminal.isTerminal(STDERR_FILENO)
        let endpoint = resolved.endpoint
        let login = resolved.login
        do {
            try await session.run { update in
                switch update {
                case .event(let event):
                    if json {
                        Output.line(event.json)
                    } else if let line = formatter.line(for: event) {
                        Output.line(line)
                    }
                case .connected(let reconnected):
                    if reconnected {
                        Output.error(status.status("reconnected to \(endpoint)"))
                    } else if announce {
                        Output.error(status.status("following \(endpoint) as \(login); Ctrl-C to stop"))
                    }
                case .disconnected(let reason, let delay):
                    Output.error(status.status("\(reason); reconnecting in \(Self.seconds(delay))"))
                }
            }
        } catch let error as ChatClientError {
            throw fail(error.description)
        }
        withExtendedLifetime(interrupts) {}
    }

    static func seconds(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return String(format: "%.1fs", Double(ms) / 1000)
    }
}
