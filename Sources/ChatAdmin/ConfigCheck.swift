import ChatModel
import ChatConfig
import ChatStorage
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `chatctl check`: loads the configuration the way `serve` does and checks every item, reporting all of
/// them (never stopping at the first problem). Only reads: a missing SQLite file is not created.
public struct ConfigCheck: Sendable {
    public var loader: ConfigLoader
    /// How long the store may take to answer.
    public var storeTimeout: Duration

    public init(loader: ConfigLoader, storeTimeout: Duration = .seconds(5)) {
        self.loader = loader
        self.storeTimeout = storeTimeout
    }

    public func run() async -> CheckReport {
        var items: [CheckItem] = []
        var loader = loader

        // The .env file itself.
        var envFile: EnvFile?
        if let path = loader.envFilePath {
            do {
                envFile = try EnvFile.load(path: path)
                items.append(CheckItem("env file", .ok, "\(path): \(envFile!.entries.count) variables"))
            } catch {
                items.append(CheckItem("env file", .fail, "\(error)", fix: "fix the line, or start from `chatctl config init --path \(path).new`"))
                loader.envFilePath = nil
                loader.envFileRequired = false
            }
        } else {
            items.append(CheckItem("env file", .ok, "none (no ./.env; using the environment and defaults)"))
        }

        let resolved: ConfigLoader.Resolved
        let config: AppConfig
        let errors: [ConfigError]
        do {
            resolved = try loader.resolve()
            (config, errors) = ConfigLoader.validate(resolved)
        } catch {
            items.append(CheckItem("configuration", .fail, "\(error)", fix: "fix the .env file"))
            return CheckReport(items: items)
        }
        let failed = Set(errors.map(\.variable))
        for error in errors {
            items.append(CheckItem(error.variable, .fail, error.message, fix: error.fix))
        }

        // Typos in the .env file.
        if let envFile {
            for entry in envFile.entries where !ConfigVariable.names.contains(entry.key) {
                if let match = Self.closestKnown(entry.key) {
                    items.append(CheckItem(entry.key, .warn, "line \(entry.line): unknown variable \(entry.key), probably a typo of \(match); it is ignored",
                                           fix: "rename it to \(match)"))
                }
            }
        }

        if !failed.contains("HOST") {
            items.append(CheckItem("HOST", .ok, "\(config.host) (\(resolved.source("HOST")))"))
        }
        if !failed.contains("HOST") && !failed.contains("PORT") {
            items.append(Self.checkPort(host: config.host, port: config.port, source: resolved.source("PORT")))
        }
        if !failed.contains("SECRET_KEY") {
            items.append(Self.checkSecret(config: config, source: resolved.source("SECRET_KEY")))
        }
        if !failed.contains("DATA_DIR") {
            items.append(Self.checkDataDirectory(config.dataDirectory, needed: !config.usesMongo || config.secretKey == nil))
        }
        if let uri = config.mongoURI {
            items.append(Self.checkMongoURI(uri))
        }
        if !failed.contains("MONGO_HOST") && !failed.contains("DATA_DIR") {
            items += await checkStore(config)
        }
        return CheckReport(items: items)
    }

    // MARK: items

    static func checkPort(host: String, port: Int, source: ConfigSource) -> CheckItem {
        switch PortProbe.probe(host: host, port: port) {
        case .free:
            return CheckItem("PORT", .ok, "\(host):\(port) is free (\(source))")
        case .inUse:
            return CheckItem("PORT", .warn, "\(host):\(port) is in use: a running chatctl serve, or another program",
                             fix: "if it is not chatctl, stop that program or choose another PORT")
        case .denied:
            return CheckItem("PORT", .fail, "not allowed to listen on \(host):\(port)", fix: "use a PORT above 1023, or grant CAP_NET_BIND_SERVICE")
        case .unresolvable(let why):
            return CheckItem("PORT", .fail, "cannot listen on \(host):\(port): \(why)", fix: "set HOST to an address of this machine, e.g. 127.0.0.1 or 0.0.0.0")
        }
    }

    static func checkSecret(config: AppConfig, source: ConfigSource) -> CheckItem {
        if config.secretKey != nil {
            return CheckItem("SECRET_KEY", .ok, "set, 32 bytes (\(source))")
        }
        let path = config.secretKeyPath
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            if (try? SecretKey(text: text.trimmingCharacters(in: .whitespacesAndNewlines))) != nil {
                return CheckItem("SECRET_KEY", .ok, "not set; using the key generated in \(path)")
            }
            return CheckItem("SECRET_KEY", .fail, "not set, and \(path) does not hold a valid key",
                             fix: "delete \(path) (sessions will be logged out) or set SECRET_KEY with `chatctl config init`")
        }
        return CheckItem("SECRET_KEY", .warn, "not set; serve will generate one into \(path)",
                         fix: "set SECRET_KEY (e.g. `chatctl config init`) so every instance shares one key")
    }

    static func checkDataDirectory(_ path: String, needed: Bool) -> CheckItem {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                return CheckItem("DATA_DIR", needed ? .fail : .warn, "\(path) is a file, not a directory", fix: "point DATA_DIR at a directory")
            }
            let probe = (path as NSString).appendingPathComponent(".chatctl-check-\(getpid())")
            let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 {
                return CheckItem("DATA_DIR", needed ? .fail : .warn, "\(path) is not writable (\(String(cString: strerror(errno))))",
                                 fix: "fix its permissions (chown/chmod) or choose another DATA_DIR")
            }
            close(fd)
            unlink(probe)
            return CheckItem("DATA_DIR", .ok, "\(path) is writable")
        }
        // It will be created: its nearest existing ancestor must be writable.
        var ancestor = (path as NSString).deletingLastPathComponent
        if ancestor.isEmpty { ancestor = "." }
        while !FileManager.default.fileExists(atPath: ancestor), ancestor != "/", !ancestor.isEmpty {
            ancestor = (ancestor as NSString).deletingLastPathComponent
            if ancestor.isEmpty { ancestor = "." }
        }
        if access(ancestor, W_OK) == 0 {
            return CheckItem("DATA_DIR", .ok, "\(path) does not exist yet; it will be created")
        }
        return CheckItem("DATA_DIR", needed ? .fail : .warn, "\(path) does not exist and \(ancestor) is not writable",
                         fix: "create \(path) with the right owner, or choose another DATA_DIR")
    }

    static func checkMongoURI(_ uri: String) -> CheckItem {
        if let problem = MongoURI.problem(uri) {
            return CheckItem("MONGO_HOST", .fail, problem, fix: "use mongodb://[user:password@]host[:port][,host…][/database][?options]")
        }
        return CheckItem("MONGO_HOST", .ok, "\(MongoURI.redacted(uri)) parses")
    }

    func checkStore(_ config: AppConfig) async -> [CheckItem] {
        let name = config.usesMongo ? "store (MongoDB)" : "store (SQLite)"
        if !config.usesMongo, !FileManager.default.fileExists(atPath: config.sqlitePath) {
            return [CheckItem(name, .ok, "\(config.sqlitePath) does not exist yet; serve creates it")]
        }
        var quiet = Logger(label: "chatctl.check")
        quiet.logLevel = .critical
        let logger = quiet
        let timeout = storeTimeout
        do {
            return try await withDeadline(timeout) {
                let store = try await StoreFactory.open(config, logger: logger)
                do {
                    try await store.ping()
                    let users = try await store.allUsers()
                    await store.close()
                    let legacy = users.filter(\.hasLegacyPlainTextPassword)
                    var items = [CheckItem(name, .ok, "reachable; schema and indexes in place (\(users.count) users)")]
                    if legacy.isEmpty {
                        items.append(CheckItem("passwords", .ok, "all \(users.count) stored passwords are bcrypt hashes"))
                    } else {
                        let names = legacy.prefix(5).map(\.login).joined(separator: ", ") + (legacy.count > 5 ? ", …" : "")
                        items.append(CheckItem("passwords", .warn, "\(legacy.count) users still have plain-text passwords from the original app (\(names))",
                                               fix: "each is hashed at its owner's next login; or reset with `chatctl user passwd LOGIN`"))
                    }
                    return items
                } catch {
                    await store.close()
                    throw error
                }
            }
        } catch {
            let fix = config.usesMongo ? "start MongoDB or fix MONGO_HOST" : "check \(config.sqlitePath) (permissions, disk, not a SQLite file?)"
            return [CheckItem(name, .fail, "not reachable: \(error)", fix: fix)]
        }
    }

    /// The known variable within edit distance 2 (case-insensitive) of `name`, if any.
    public static func closestKnown(_ name: String) -> String? {
        let upper = name.uppercased()
        var best: (String, Int)?
        for known in ConfigVariable.all.map(\.name) {
            let distance = EditDistance.between(upper, known)
            if distance <= 2, distance < (best?.1 ?? Int.max) { best = (known, distance) }
        }
        return best?.0
    }
}
