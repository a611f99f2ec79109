import Foundation
import Logging

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

    package static func validate(_ resolved: Resolved) -> (AppConfig, [ConfigError]) {
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
                if let normalized = WebOrigin.normalize(origin) { origins.append(normalized) } else {
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
        func duration(_ name: String, _ range: ClosedRange<Int64>, _ assign: (Duration) -> Void) {
            guard let text = resolved.value(name) else { return }
            if let seconds = DurationParser.seconds(text), range.contains(seconds) { assign(.seconds(seconds)) } else {
                fail(name, "'\(text.prefix(40))' is not a duration from \(range.lowerBound)s to \(range.upperBound)s", "use e.g. 10s, 2m")
            }
        }
        func count(_ name: String, _ range: ClosedRange<Int>, _ assign: (Int) -> Void) {
            guard let text = resolved.value(name) else { return }
            if let value = Int(text), range.contains(value) { assign(value) } else {
                fail(name, "'\(text.prefix(40))' is not a whole number from \(range.lowerBound) to \(range.upperBound)", "use e.g. \(range.lowerBound * 10)")
            }
        }
        duration("HEADER_TIMEOUT", 1...3600) { config.headerTimeout = $0 }
        duration("BODY_TIMEOUT", 1...3600) { config.bodyTimeout = $0 }
        duration("KEEPALIVE_TIMEOUT", 1...86_400) { config.keepAliveTimeout = $0 }
        duration("DRAIN_TIMEOUT", 1...3600) { config.drainTimeout = $0 }
        count("MAX_CONNECTIONS", 1...10_000_000) { config.maxConnections = $0 }
        count("MAX_CONNECTIONS_PER_ADDRESS", 1...10_000_000) { config.maxConnectionsPerAddress = $0 }
        count("MAX_SOCKETS_PER_USER", 1...100_000) { config.maxSocketsPerUser = $0 }
        count("SIGNUPS_PER_ADDRESS", 1...10_000_000) { config.signupsPerAddress = $0 }
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
