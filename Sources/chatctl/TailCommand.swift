import ArgumentParser
import ChatClient
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow the chat live: print each message, join and leave as it arrives.",
        discussion: """
            Logs in as a browser does, then prints `[HH:MM:SS] (alice) text` per message in local time, join and leave dimmed; colours only on a terminal and never with NO_COLOR. --json prints the server's JSON objects, one per line, for jq. Output is flushed per event.

            Runs until Ctrl-C or SIGTERM (exit 0, the WebSocket closed cleanly). After a dropped connection or a server restart it reconnects with backoff (0.25 s doubling up to 10 s) and resumes after the last message it printed: nothing is missed and nothing is printed twice. With --no-reconnect a drop exits 1 instead. A wrong password, an unreachable server or a URL that is not a chatctl server exit 1 at once.

            The password comes from the first line of standard input (--password-stdin), else CHATCTL_PASSWORD, else a prompt without echo on the terminal. Status lines (reconnecting…) go to standard error.

            Examples:
              chatctl tail --user alice
              chatctl tail --url https://chat.example.com --user alice --history 20
              CHATCTL_PASSWORD=… chatctl tail --user bot --json | jq -r 'select(.type=="message").text'
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
        var options = ChatConnectionOptions(endpoint: resolved.endpoint, login: resolved.login, password: resolved.password)
        options.since = since?.lowercased()
        options.history = history
        options.reconnect = !noReconnect
        let session = ChatConnection(options: options)
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
                case .event(let event, let text):
                    if json {
                        Output.line(text)
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
