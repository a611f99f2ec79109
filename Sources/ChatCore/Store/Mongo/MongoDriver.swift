import CMongoc
import Foundation
import Logging

/// libmongoc's process-wide set-up: `mongoc_init` exactly once (a lazily initialised static `let`,
/// which Swift runs once, thread-safely) and `mongoc_cleanup` at process exit.
enum MongoDriver {
    private static let initialised: Bool = {
        // Before mongoc_init: its default handler prints every level, DEBUG included, straight to stderr.
        mongoc_log_set_handler({ level, domain, message, _ in MongoDriver.log(level, domain, message) }, nil)
        mongoc_init()
        atexit { mongoc_cleanup() }
        return true
    }()

    static func ensureInitialised() { _ = initialised }

    private static let logger = Logger(label: "chatctl.mongoc")

    /// libmongoc's own log lines, through swift-log: its chatter (server monitoring, reconnects) at debug/trace.
    /// Its messages name hosts, not URIs, so they carry no credentials.
    private static func log(_ level: mongoc_log_level_t, _ domain: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?) {
        let swiftLevel: Logger.Level = switch level {
        case MONGOC_LOG_LEVEL_ERROR: .error
        case MONGOC_LOG_LEVEL_CRITICAL: .critical
        case MONGOC_LOG_LEVEL_WARNING: .warning
        case MONGOC_LOG_LEVEL_MESSAGE, MONGOC_LOG_LEVEL_INFO: .info
        case MONGOC_LOG_LEVEL_DEBUG: .debug
        default: .trace
        }
        guard logger.logLevel <= swiftLevel else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let source = domain.map { String(cString: $0) } ?? "mongoc"
        logger.log(level: swiftLevel, "\(text)", metadata: ["domain": "\(source)"])
    }
}

/// A `mongoc_client_pool_t`, which libmongoc documents as thread-safe: clients are popped and pushed
/// from any thread. That is why the wrapper may be `@unchecked Sendable`; the clients it hands out are not.
final class MongoClientPool: @unchecked Sendable {
    let raw: OpaquePointer

    init(raw: OpaquePointer) { self.raw = raw }

    /// Runs `body` with a client popped from the pool and pushed back on every path.
    func withClient<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        let client = try pop()
        defer { push(client) }
        return try body(client)
    }

    /// A client of one's own until `push`; blocks until one is free.
    func pop() throws -> OpaquePointer {
        // mongoc_client_pool_pop returns NULL only on misuse.
        guard let client = mongoc_client_pool_pop(raw) else {
            throw StoreError.unavailable("no MongoDB client available")
        }
        return client
    }

    func push(_ client: OpaquePointer) { mongoc_client_pool_push(raw, client) }

    func destroy() { mongoc_client_pool_destroy(raw) }
}

/// What libmongoc reported in a `bson_error_t`, copied out so it can be thrown.
struct MongoDriverError: Error {
    var domain: UInt32
    var code: UInt32
    var message: String
    /// A bulk write's per-document error: the position of that document in the batch.
    var index: Int?

    init(_ error: bson_error_t) {
        domain = error.domain
        code = error.code
        message = withUnsafeBytes(of: error.message) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    init(domain: UInt32, code: UInt32, message: String) {
        self.domain = domain
        self.code = code
        self.message = message
    }

    static let duplicateKey: UInt32 = 11000
    static let namespaceNotFound: UInt32 = 26

    var isDuplicateKey: Bool { code == Self.duplicateKey }

    /// Server selection and socket errors: the server (or the network to it) is down.
    var isUnreachable: Bool {
        domain == MONGOC_ERROR_SERVER_SELECTION.rawValue || domain == MONGOC_ERROR_STREAM.rawValue
    }

    /// The name of the unique index an E11000 message names ("... index: login_ci dup key: ..."), if any.
    var duplicateIndexName: String? {
        guard let range = message.range(of: "index: ") else { return nil }
        return message[range.upperBound...].prefix(while: { $0 != " " }).description
    }
}

/// A parsed MongoDB URI, reduced to what may be shown: the host list, never the credentials.
struct MongoURIInfo: Sendable {
    /// "host1:27017,host2:27017", or the SRV name.
    var hosts: String
    /// The URI's password, if any, to scrub from anything the driver says.
    var secrets: [String]

    /// Removes `user:pass@` from a URI string: for messages about a URI libmongoc could not parse.
    static func redacted(_ uri: String) -> String {
        guard let scheme = uri.range(of: "://") else { return "<unparseable URI>" }
        let rest = uri[scheme.upperBound...]
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" })
        guard let at = authority.lastIndex(of: "@") else { return uri }
        return String(uri[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
    }

    func scrub(_ text: String) -> String {
        var result = text.replacingOccurrences(of: "\n", with: " ")
        for secret in secrets where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }
}
