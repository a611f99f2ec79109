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
