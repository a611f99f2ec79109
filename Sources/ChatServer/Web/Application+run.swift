import Hummingbird
import Logging
import ServiceLifecycle

/// Serves until SIGTERM or SIGINT, then shuts down gracefully (stops accepting, `/ready` 503, idle HTTP
/// connections closed, WebSockets 1001, every accepted message stored) and returns within `drain`
/// whatever the clients do: what is still running then is cancelled.
public func runUntilShutdown(_ app: some ApplicationProtocol, drain: Duration, logger: Logger) async throws {
    var configuration = ServiceGroupConfiguration(
        services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    configuration.maximumGracefulShutdownDuration = drain
    configuration.maximumCancellationDuration = .seconds(2)
    try await ServiceGroup(configuration: configuration).run()
}
