import Foundation
import Logging

/// One configuration variable: its name, default and meaning. The table drives loading, `chatctl check`,
/// `.env.example` and `chatctl config init`, so they cannot drift apart.
public struct ConfigVariable: Sendable {
    public let name: String
    public let defaultText: String
    public let help: String
    /// Written commented-out in a fresh `.env`.
    public let optional: Bool

    public static let all: [ConfigVariable] = [
        .init(name: "HOST", defaultText: "127.0.0.1", help: "listen address", optional: false),
        .init(name: "PORT", defaultText: "8080", help: "listen port", optional: false),
        .init(name: "SECRET_KEY", defaultText: "", help: "session-cookie key: 32 random bytes, base64 or hex (chatctl config init makes one)", optional: false),
        .init(name: "MONGO_HOST", defaultText: "mongodb://127.0.0.1:27017", help: "MongoDB URI; when set, MongoDB is the store instead of SQLite", optional: true),
        .init(name: "MONGO_DB_NAME", defaultText: "chat", help: "MongoDB database name", optional: true),
        .init(name: "DATA_DIR", defaultText: "./data", help: "embedded SQLite store (chat.sqlite) and generated secret", optional: false),
        .init(name: "LOG_LEVEL", defaultText: "info", help: "trace, debug, info, notice, warning, error or critical", optional: false),
        .init(name: "ALLOW_SIGNUP", defaultText: "true", help: "whether /signin may create accounts", optional: false),
        .init(name: "ALLOWED_ORIGINS", defaultText: "", help: "comma-separated extra origins allowed to open the WebSocket and post forms (the server's own is always allowed)", optional: true),
        .init(name: "BCRYPT_COST", defaultText: "12", help: "bcrypt work factor for new passwords (4-31)", optional: true),
        .init(name: "SESSION_TTL", defaultText: "7d", help: "how long a login lasts (e.g. 12h, 7d)", optional: true),
        .init(name: "SECURE_COOKIES", defaultText: "false", help: "mark the session cookie Secure (set true behind HTTPS)", optional: true),
        .init(name: "MAX_MESSAGE_BYTES", defaultText: "4096", help: "largest chat message accepted, in bytes", optional: true),
        .init(name: "RATE_LIMIT", defaultText: "5", help: "messages per second one connection may send, sustained", optional: true),
        .init(name: "RATE_BURST", defaultText: "20", help: "messages one connection may send at once above RATE_LIMIT", optional: true),
        .init(name: "OUTBOUND_BUFFER_BYTES", defaultText: "1048576", help: "bytes queued for one slow WebSocket before it is disconnected", optional: true),
    ]

    public static let names: Set<String> = Set(all.map(\.name))
}

/// Where a configuration value came from, for messages that say what to fix.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case flag
    case environment
    case envFile(String)
    case defaultValue

    public var description: String {
        switch self {
        case .flag: "command-line flag"
        case .environment: "environment"
        case .envFile(let path): path
        case .defaultValue: "default"
        }
    }
}

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var variable: String
    public var message: String
    public var fix: String
    public var description: String { "\(variable): \(message); \(fix)" }
}

/// Resolves configuration in the order flag > process environment > `.env` > default.
public struct ConfigLoader: Sendable {
    public var flags: [String: String]
    public var environment: [String: String]
    public var envFilePath: String?
    /// True when the path was given explicitly: then a missing file is an error.
    public var envFileRequired: Bool

    public init(flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
                envFile: String? = nil) {
        self.flags = flags
        self.environment = environment
        if let envFile {
            envFilePath = envFile
            envFileRequired = true
        } else {
            envFilePath = FileManager.default.fileExists(atPath: ".env") ? ".env" : nil
            envFileRequired = false
        }
    }

    public struct Resolved: Sendable {
        public var values: [String: (value: String, source: ConfigSource)]
        public var envFile: EnvFile?
        public var envFilePath: String?

        public func value(_ name: String) -> String? { values[name]?.value }
        public func source(_ name: String) -> ConfigSource { values[name]?.source ?? .defaultValue }
    }

    public func resolve() throws -> Resolved {
        var envFile: EnvFile?
        if let path = envFilePath {
            if !envFileRequired && !FileManager.default.fileExists(atPath: path) {
                envFile = nil
            } else {
                envFile = try EnvFile.load(path: path)
            }
        }
        var values: [String: (String, ConfigSource)] = [:]
        for variable in ConfigVariable.all {
            let name = variable.name
            if let flag = flags[name] {
                values[name] = (flag, .flag)
            } else if let env = environment[name] {
                values[name] = (env, .environment)
            } else if let fileValue = envFile?.values[name], let path = envFilePath {
                values[name] = (fileValue, .envFile(path))
            }
        }
        return Resolved(values: values.mapValues { (value: $0.0, source: $0.1) }, envFile: envFile, envFilePath: envFilePath)
    }

    /// Validates everything and returns the configuration, or every problem found.
    public func load() throws -> AppConfig {
        let (config, errors) = try validate()
        if let first = errors.first { throw first }
        return config
    }

    /// Every problem, not just the first: `chatctl check` reports them all.
    public func validate() throws -> (AppConfig, [ConfigError]) {
        let resolved = try resolve()
        return Self.validate(resolved)
    }

    static func validate(_ resolved: Resolved) -> (AppConfig, [ConfigError]) {
        var config = AppConfig()
        var errors: [ConfigError] = []
        func fail(_ name: String, _ message: String, _ fix: String) {
            errors.append(ConfigError(variable: name, message: "\(message) (from \(resolved.source(name)))", fix: fix))
        }

        if let host = resolved.value("HOST") {
            if HostValidator.isValid(host) { config.host = host } else {
                fail("HOST", "'\(host.prefix(80))' is not an IP address or host name", "use e.g. HOST=127.0.0.1 or HOST=0.0.0.0")
            }
        }
        if let text = resolved.value("PORT") {
            if let port = Int(text), (1...65535).contains(port) { config.port = port } else {
                fail("PORT", "'\(text.prefix(40))' is not a port number", "use a whole number from 1 to 65535")
            }
        }
        if let text = resolved.value("SECRET_KEY"), !text.isEmpty {
            do { config.secretKey = try SecretKey(text: text) } catch {
                fail("SECRET_KEY", "\(error)", "generate one with `chatctl config init` or `openssl rand -base64 32`")
            }
        }
        if let uri = resolved.value("MONGO_HOST"), !uri.isEmpty {
            if uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://") { config.mongoURI = uri } else {
                fail("MONGO_HOST", "not a MongoDB URI", "use mongodb://HOST:PORT (or leave it unset for the embedded SQLite store)")
            }
        }
        if let name = resolved.value("MONGO_DB_NAME") {
            let forbidden = CharacterSet(charactersIn: "/\\. \"$*<>:|?\0")
            if !name.isEmpty, name.utf8.count < 64, name.rangeOfCharacter(from: forbidden) == nil { config.mongoDatabase = name } else {
                fail("MONGO_DB_NAME", "'\(name.prefix(80))' is not a valid database name", "use letters, digits, _ and -, under 64 bytes")
            }
        }
        if let dir = resolved.value("DATA_DIR") {
            if dir.isEmpty || dir.contains("\0") {
                fail("DATA_DIR", "empty", "name a directory, e.g. DATA_DIR=./data")
            } else { config.dataDirectory = dir }
        }
        if let text = resolved.value("LOG_LEVEL") {
            if let level = Logger.Level(rawValue: text.lowercased()) { config.logLevel = level } else {
                fail("LOG_LEVEL", "'\(text.prefix(40))' is not a log level", "use trace, debug, info, notice, warning, error or critical")
            }
        }
        if let text = resolved.value("ALLOW_SIGNUP") {
            if let flag = parseBool(text) { config.allowSignup = flag } else {
                fail("ALLOW_SIGNUP", "'\(text.prefix(40))' is not true or false", "use true or false")
            }
        }
        if let text = resolved.value("ALLOWED_ORIGINS") {
            var origins: [String] = []
            for item in text.split(separator: ",") {
                let origin = item.trimmingCharacters(in: .whitespaces)
                if origin.isEmpty { continue }
                if let normalized = OriginPolicy.normalize(origin) { origins.append(normalized) } else {
                    fail("ALLOWED_ORIGINS", "'\(origin.prefix(80))' is not an origin", "list origins like https://chat.example.com, separated by commas")
                }
            }
            config.allowedOrigins = origins
        }
        if let text = resolved.value("BCRYPT_COST") {
            if let cost = Int(text), (4...31).contains(cost) { config.bcryptCost = cost } else {
                fail("BCRYPT_COST", "'\(text.prefix(40))' is not a cost from 4 to 31", "use 12 (the default) or another whole number from 4 to 31")
            }
        }
        if let text = resolved.value("SESSION_TTL") {
            if let seconds = DurationParser.seconds(text), seconds >= 60 { config.sessionLifetime = .seconds(seconds) } else {
                fail("SESSION_TTL", "'\(text.prefix(40))' is not a duration of a minute or more", "use e.g. 30m, 12h or 7d")
            }
        }
        if let text = resolved.value("SECURE_COOKIES") {
            if let flag = parseBool(text) { config.secureCookies = flag } else {
                fail("SECURE_COOKIES", "'\(text.prefix(40))' is not true or false", "use true or false")
            }
        }
        if let text = resolved.value("MAX_MESSAGE_BYTES") {
            if let bytes = Int(text), (1...1 << 20).contains(bytes) { config.maxMessageBytes = bytes } else {
                fail("MAX_MESSAGE_BYTES", "'\(text.prefix(40))' is not a size from 1 to 1048576", "use e.g. 4096")
            }
        }
        if let text = resolved.value("RATE_LIMIT") {
            if let rate = Double(text), rate > 0, rate <= 1_000_000 { config.rateLimitPerSecond = rate } else {
                fail("RATE_LIMIT", "'\(text.prefix(40))' is not a positive rate", "use messages per second, e.g. 5")
            }
        }
        if let text = resolved.value("RATE_BURST") {
            if let burst = Int(text), (1...1_000_000).contains(burst) { config.rateLimitBurst = burst } else {
                fail("RATE_BURST", "'\(text.prefix(40))' is not a whole number from 1 to 1000000", "use e.g. 20")
            }
        }
        if let text = resolved.value("OUTBOUND_BUFFER_BYTES") {
            if let bytes = Int(text), (16_384...(1 << 30)).contains(bytes) { config.outboundBufferBytes = bytes } else {
                fail("OUTBOUND_BUFFER_BYTES", "'\(text.prefix(40))' is not a size from 16384 to 1073741824", "use e.g. 1048576")
            }
        }
        return (config, errors)
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }
}

enum HostValidator {
    static func isValid(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        if host.contains(":") {  // IPv6 literal
            return host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

/// "90s", "15m", "12h", "7d", or plain seconds.
public enum DurationParser {
    public static func seconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last else { return nil }
        let multiplier: Int64
        var digits = Substring(trimmed)
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        case "d": multiplier = 86400
        case "w": multiplier = 7 * 86400
        default: multiplier = 1; digits = Substring(trimmed + "x")
        }
        digits = digits.dropLast()
        guard let value = Int64(digits), value >= 0, value <= Int64.max / multiplier / 1000 else { return nil }
        return value * multiplier
    }
}
