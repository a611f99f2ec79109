// chatbench: load generator for chatctl and the aiohttp baseline (issue 6).
// Human-readable table on stderr, one JSON object per run on stdout.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser

@main
struct ChatBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatbench",
        abstract: "Load generator for chatctl and the aiohttp baseline: fan-out, latency, idle connections, history.",
        discussion: """
            Each scenario prints a table on stderr and one JSON object on stdout; --pid names the server process whose CPU and RSS are read from /proc. scripts/bench.sh runs them all.

            Example:
              chatbench fanout --url http://127.0.0.1:8080 --pid 12345 > fanout.json
            """,
        subcommands: [Fanout.self, Latency.self, Connections.self, History.self, Seed.self, GenHistory.self, EchoServer.self]
    )

    /// The entry point: a `BenchFailure` is reported as "chatbench: error: …" with exit status 1; any other error
    /// (including `--help` and validation errors) the ArgumentParser way.
    static func main() {
        do {
            var command = try ChatBench.parseAsRoot()
            try command.run()
        } catch let e as BenchFailure {
            log("error: \(e.description)")
            exitProcess(1)
        } catch {
            ChatBench.exit(withError: error)
        }
    }
}

/// exit(3): inside ChatBench, `exit` names ParsableCommand's `exit(withError:)`.
private func exitProcess(_ code: Int32) -> Never { exit(code) }
