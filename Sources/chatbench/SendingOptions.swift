import ArgumentParser

/// The options of the scenarios in which some clients send and all receive.
struct SendingOptions: ParsableArguments {
    @Option(help: "WebSocket clients.") var clients: Int = 100
    @Option(help: "Senders among them.") var senders: Int = 10
    @Option(help: "Seconds measured after warm-up.") var duration: Double = 10
    @Option(help: "Warm-up seconds.") var warmup: Double = 2
    @Option(help: "Seconds to wait for in-flight deliveries after sending stops.") var grace: Double = 5
    @Option(help: "Message size in bytes (the token is ~40; padded with x).") var size: Int = 0
    @Option(help: "Accounts to sign up (clients use them round-robin).") var users: Int = 10
    @Option(help: "Concurrent WebSocket handshakes while connecting.") var concurrency: Int = 32

    func validate() throws {
        guard clients >= 1, senders >= 1, senders <= clients else { throw ValidationError("need 1 ≤ senders ≤ clients") }
    }
}
