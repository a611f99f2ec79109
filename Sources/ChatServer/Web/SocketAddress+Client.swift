import NIOCore

extension SocketAddress {
    /// How a session records its client: the IP address (no port), or the socket's path.
    var clientDescription: String {
        ipAddress ?? pathname ?? "\(self)"
    }
}
