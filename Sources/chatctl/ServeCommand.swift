import ArgumentParser
import ChatConfig
import ChatServer
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the chat server.",
        discussion: """
            Serves the web chat and its WebSocket until SIGINT or SIGTERM, then shuts down gracefully:
            it stops accepting, answers /ready with 503, closes idle connections and WebSockets (1001),
            writes every accepted message, and exits within DRAIN_TIMEOUT (10 s) whatever the clients do.

            Examples:
              chatctl serve
              chatctl serve --host 0.0.0.0 --port 9000
              MONGO_HOST=mongodb://db:27017 chatctl serve --env-file /etc/chatctl.env
            """
    )

    @Option(help: ArgumentHelp("Listen address (HOST).", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Listen port (PORT).", valueName: "port"))
    var port: String?

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        var flags: [String: String] = [:]
        flags["HOST"] = host
        flags["PORT"] = port
        let config: AppConfig
        do {
            config = try options.loader(flags: flags).load()
        } catch {
            throw fail("\(error)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = config.logLevel
            return handler
        }
        EventLoopSizing.configureSharedGroup()
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(config)
        } catch {
            throw fail("\(error)")
        }
        try await runUntilShutdown(app, drain: config.drainTimeout, logger: Logger(label: "chatctl"))
    }
}
