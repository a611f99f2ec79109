import Foundation
import NIOSSL

/// TLS for `https://` servers: the system's trust store, or the CA certificates in `SSL_CERT_FILE`
/// (a PEM file, the variable OpenSSL and curl read) for a private CA or a self-signed test server.
public enum ClientTLS {
    public static func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // After the WebSocket's own close handshake there is nothing left to wait for.
        configuration.shutdownTimeout = .seconds(1)
        if let path = environment["SSL_CERT_FILE"], !path.isEmpty {
            configuration.trustRoots = .file(path)
        }
        return configuration
    }
}
